/*
 * coverage_exit.c: linked into make coverage's builds only, with
 * -Wl,--wrap=_exit.  A process that ends with _exit() (a forked child
 * that cannot go on, privsep.c and pop3d.c) writes its gcov counts first,
 * as one that calls exit() does; without this its lines would count as
 * never run.  Processes killed by a signal still write nothing.
 */
void	__gcov_dump(void);
_Noreturn void	__real__exit(int status);
_Noreturn void	__wrap__exit(int status);

void
__wrap__exit(int status)
{
	__gcov_dump();
	__real__exit(status);
}
