// Adversarial helper: writes "fd N" to every fd from 3 to 1023 and prints the
// fds that accepted the write (expected: only the grader's output channels).
#include <unistd.h>

#include <cstdio>
#include <string>

int main() {
  std::string opened;
  for (int fd = 3; fd < 1024; ++fd) {
    std::string text = "fd " + std::to_string(fd) + "\n";
    if (write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size())) {
      opened += std::to_string(fd) + " ";
    }
  }
  std::printf("writable: %s\n", opened.c_str());
  return 0;
}
