#!/usr/bin/perl
# pop3get.pl MODULE PORT USER PASSWORD STATEFILE OUTDIR keep|delete [TLS CA]
#
# TLS is "stls" (Net::POP3's starttls) or "pop3s" (TLS from the first byte),
# verifying the certificate against the CA file CA (IO::Socket::SSL).
# A small mail fetcher on top of Perl's Mail::POP3Client or Net::POP3, as a
# script using either would be written: it remembers the UIDLs it has seen
# in STATEFILE, saves each new message to OUTDIR/N.msg exactly as the module
# returns it, and with "delete" deletes what it saved.  Prints one line per
# saved message ("saved N UID").
use strict;
use warnings;

my ($module, $port, $user, $pass, $state, $outdir, $mode, $tls, $ca) = @ARGV;
die "usage\n" unless defined $mode;
$tls //= '';
my %ssl = $tls eq '' ? () : (SSL_ca_file => $ca, SSL_verifycn_name => 'localhost',
    SSL_verify_mode => 1);

my %seen;
if (open(my $fh, '<', $state)) {
	while (<$fh>) { chomp; $seen{$_} = 1; }
	close $fh;
}

sub save {
	my ($n, $text) = @_;
	open(my $out, '>', "$outdir/$n.msg") or die "$outdir/$n.msg: $!\n";
	binmode $out;
	print $out $text;
	close $out or die "$!\n";
}

my @new;
if ($module eq 'Mail::POP3Client') {
	require Mail::POP3Client;
	die "Mail::POP3Client has no STLS\n" if $tls eq 'stls';
	my $pop;
	if ($tls eq 'pop3s') {
		# USESSL takes no CA: the module's documented way is a socket
		# of one's own, given to it before Connect.
		require IO::Socket::SSL;
		my $s = IO::Socket::SSL->new(PeerAddr => '127.0.0.1',
		    PeerPort => $port, Timeout => 30, %ssl)
		    or die "TLS failed: " . IO::Socket::SSL::errstr() . "\n";
		$pop = Mail::POP3Client->new(TIMEOUT => 30);
		$pop->User($user);
		$pop->Pass($pass);
		$pop->Socket($s);
		$pop->Connect() >= 0 or die "connect failed\n";
	} else {
		$pop = Mail::POP3Client->new(USER => $user, PASSWORD => $pass,
		    HOST => '127.0.0.1', PORT => $port, TIMEOUT => 30)
		    or die "connect failed\n";
	}
	$pop->Alive() && $pop->Count() >= 0
	    or die "login failed: " . $pop->Message() . "\n";
	my @uidl = $pop->Uidl();
	for my $n (1 .. $pop->Count()) {
		next if $seen{$uidl[$n]};
		my $text = $pop->HeadAndBody($n);
		defined $text or die "RETR $n failed\n";
		save($n, $text);
		push @new, [$n, $uidl[$n]];
	}
	if ($mode eq 'delete') {
		$pop->Delete($_->[0]) or die "DELE failed\n" for @new;
	}
	$pop->Close() or die "QUIT failed: " . $pop->Message() . "\n";
} elsif ($module eq 'Net::POP3') {
	require Net::POP3;
	my $pop = Net::POP3->new('127.0.0.1', Port => $port, Timeout => 30,
	    $tls eq 'pop3s' ? (SSL => 1, %ssl) : ())
	    or die "connect failed\n";
	if ($tls eq 'stls') {
		$pop->starttls(%ssl) or die "STLS failed: " . $pop->message() . "\n";
	}
	defined $pop->login($user, $pass)
	    or die "login failed: " . $pop->message() . "\n";
	my $uidl = $pop->uidl() or die "UIDL failed\n";
	for my $n (sort { $a <=> $b } keys %$uidl) {
		next if $seen{$uidl->{$n}};
		my $lines = $pop->get($n) or die "RETR $n failed\n";
		save($n, join('', @$lines));
		push @new, [$n, $uidl->{$n}];
	}
	if ($mode eq 'delete') {
		$pop->delete($_->[0]) or die "DELE failed\n" for @new;
	}
	$pop->quit() or die "QUIT failed\n";
} else {
	die "unknown module $module\n";
}

open(my $fh, '>>', $state) or die "$state: $!\n";
print $fh "$_->[1]\n" for @new;
close $fh;
print "saved $_->[0] $_->[1]\n" for @new;
