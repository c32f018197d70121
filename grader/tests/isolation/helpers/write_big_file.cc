// Adversarial helper: writes a 2 GiB file at argv[1].
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
  if (argc < 2) {
    return 2;
  }
  int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    std::perror(argv[1]);
    return 3;
  }
  static char buffer[1 << 20];
  std::memset(buffer, 'y', sizeof buffer);
  for (int i = 0; i < 2048; ++i) {
    if (write(fd, buffer, sizeof buffer) < 0) {
      std::perror("write");
      return 4;
    }
  }
  return 0;
}
