/* Running a piece of a test in a child process, for what may end the process that runs it. */
#ifndef CHILD_H
#define CHILD_H

#include <sys/wait.h>
#include <unistd.h>

/* Forks a child that runs `body` and exits with its result; returns its wait status. */
static int in_child(int (*body)(void)) {
    pid_t pid = fork();
    if (pid == 0)
        _exit(body());
    int status = -1;
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    return status;
}

#endif
