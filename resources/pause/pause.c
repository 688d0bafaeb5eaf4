/*
 * flowlab-pause: the process that holds a pod's namespaces open, like Kubernetes' pause.
 *
 * It does nothing but wait. It exits 0 on SIGINT or SIGTERM so that stopping a pod sandbox is a
 * clean exit rather than a kill, and it reaps children on SIGCHLD because as PID 1 of a shared
 * PID namespace it inherits every orphan of the pod. Built statically: the image holds this one
 * file and nothing else.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void shut_down(int signo)
{
    (void)signo;
    _exit(0);
}

static void reap(int signo)
{
    (void)signo;
    const int saved_errno = errno;
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
    errno = saved_errno;
}

static int install(int signo, void (*handler)(int))
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = handler;
    sigemptyset(&action.sa_mask);
    /* SA_NOCLDSTOP: a stopped child is not a zombie; only exits need reaping. */
    action.sa_flags = SA_RESTART | (signo == SIGCHLD ? SA_NOCLDSTOP : 0);
    if (sigaction(signo, &action, NULL) != 0) {
        fprintf(stderr, "flowlab-pause: sigaction %s: %s\n", strsignal(signo), strerror(errno));
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "-v") == 0) {
        puts("flowlab-pause 1.0");
        return 0;
    }
    if (getpid() != 1)
        fprintf(stderr, "flowlab-pause: warning: not PID 1, orphans will not be reaped here\n");
    if (install(SIGINT, shut_down) != 0 || install(SIGTERM, shut_down) != 0 ||
        install(SIGCHLD, reap) != 0)
        return 1;
    for (;;)
        pause();
    /* not reached: pause() only returns after a handler, and the loop waits again */
}
