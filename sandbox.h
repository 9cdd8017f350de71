/*
 * sandbox.h: the limits of the monitor's unprivileged children.
 */
#ifndef POP3D_SANDBOX_H
#define POP3D_SANDBOX_H

int	sandbox_prelogin(int relay);
int	sandbox_session(void);

#endif
