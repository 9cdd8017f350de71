"""Tests that hold the documentation to the code and to the suite: the
systemd example of the README and the manual against dist/, and the
promises map (tests/promises.md) against the tests it names.  Loaded by
tests/run, which is __main__ and provides the helpers.
"""

import os
import re

import __main__ as R
from __main__ import Fail, test, expect_eq

TOP = os.path.dirname(R.HERE)


def read_top(name):
    with open(os.path.join(TOP, name), encoding='utf-8') as f:
        return f.read()


def man_example(unit):
    """The lines of the manual's systemd example under '# UNIT'."""
    man = read_top('man/pop3d.8')
    m = re.search(r'^# ' + re.escape(unit) + r'\n(.*?)(?=^\n|^# |^\.Ed)', man, re.M | re.S)
    if not m:
        raise Fail('no "# %s" example in the manual' % unit)
    return [ln for ln in m.group(1).split('\n') if ln and not ln.startswith('[')]


@test('docs:systemd-capabilities')
def _():
    # README (systemd) and the manual's example name the capabilities that
    # dist/pop3d@.service grants, no more and no fewer.
    unit = read_top('dist/pop3d@.service')
    m = re.search(r'^CapabilityBoundingSet=(.*)$', unit, re.M)
    granted = set(m.group(1).split())
    readme = read_top('README.md')
    bullet = re.search(r'^- \*\*systemd\*\*:(.*?)(?=^- \*\*)', readme, re.M | re.S).group(1)
    expect_eq('README systemd capabilities vs dist/pop3d@.service', sorted(granted),
              sorted(set(re.findall(r'CAP_[A-Z_]+', bullet))))
    example = [ln for ln in man_example('pop3d@.service') if ln.startswith('CapabilityBoundingSet=')]
    expect_eq('manual example capabilities vs dist/pop3d@.service', sorted(granted),
              sorted(example[0].split('=', 1)[1].split()) if example else None)


@test('docs:systemd-example-matches-dist')
def _():
    # Every setting of the manual's example is in the unit files of dist/.
    for unit in ('pop3d.socket', 'pop3d@.service'):
        have = set(read_top('dist/' + unit).split('\n'))
        for ln in man_example(unit):
            if ln not in have:
                raise Fail('manual example line not in dist/%s: %s' % (unit, ln))
