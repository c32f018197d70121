// Helper: an honest program that forks N children at once (each lives 200 ms),
// waits for them, and prints "forked N" if every fork succeeded.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
  const int wanted = argc > 1 ? std::atoi(argv[1]) : 10;
  int forked = 0;
  for (int i = 0; i < wanted; ++i) {
    pid_t child = fork();
    if (child == 0) {
      usleep(200 * 1000);
      _exit(0);
    }
    if (child > 0) {
      ++forked;
    } else {
      std::perror("fork");
    }
  }
  while (wait(nullptr) > 0) {
  }
  std::printf("forked %d\n", forked);
  return forked == wanted ? 0 : 1;
}
