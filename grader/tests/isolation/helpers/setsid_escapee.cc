// Adversarial helper: leaves a grandchild in its own session (setsid()) that
// keeps running after this process exits, then exits 0.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

int main() {
  pid_t child = fork();
  if (child == 0) {
    setsid();
    if (fork() == 0) {
      // The grandchild: a daemon that would outlive the run.
      while (true) {
        sleep(1);
      }
    }
    _exit(0);
  }
  waitpid(child, nullptr, 0);
  std::printf("escaped\n");
  std::fflush(stdout);
  return 0;
}
