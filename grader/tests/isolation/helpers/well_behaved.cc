// Helper: prints to stdout and stderr, then does what argv says:
//   exit N | signal N | abort | bad_alloc | env NAME | pwd
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

int main(int argc, char** argv) {
  std::printf("hello from stdout\n");
  std::fprintf(stderr, "hello from stderr\n");
  std::fflush(stdout);
  if (argc < 2) {
    return 0;
  }
  if (std::strcmp(argv[1], "exit") == 0) {
    return std::atoi(argv[2]);
  }
  if (std::strcmp(argv[1], "signal") == 0) {
    raise(std::atoi(argv[2]));
  }
  if (std::strcmp(argv[1], "abort") == 0) {
    std::abort();
  }
  if (std::strcmp(argv[1], "bad_alloc") == 0) {
    throw std::bad_alloc();
  }
  if (std::strcmp(argv[1], "env") == 0) {
    const char* value = std::getenv(argv[2]);
    std::printf("%s=%s\n", argv[2], value != nullptr ? value : "(unset)");
  }
  if (std::strcmp(argv[1], "pwd") == 0) {
    char buffer[4096];
    std::printf("cwd=%s\n", getcwd(buffer, sizeof buffer));
  }
  return 0;
}
