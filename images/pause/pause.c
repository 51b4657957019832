/* The pod sandbox process: holds the pod's network and IPC namespaces open, reaps orphans, exits on TERM/INT. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_terminate(int sig) {
    (void) sig;
    _exit(0);
}

static void on_child(int sig) {
    (void) sig;
    /* Several children may exit before the handler runs: reap them all. */
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "-v") == 0) {
        printf("keelson pause 3.10\n");
        return 0;
    }
    if (getpid() != 1) {
        fprintf(stderr, "pause: warning: not running as PID 1, orphans will not be reaped here\n");
    }
    struct sigaction term = {0};
    term.sa_handler = on_terminate;
    sigaction(SIGTERM, &term, NULL);
    sigaction(SIGINT, &term, NULL);

    struct sigaction chld = {0};
    chld.sa_handler = on_child;
    chld.sa_flags = SA_NOCLDSTOP | SA_RESTART;
    sigaction(SIGCHLD, &chld, NULL);

    for (;;) {
        pause();
    }
}
