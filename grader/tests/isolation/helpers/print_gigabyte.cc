// Adversarial helper: writes 1 GiB to stdout.
#include <unistd.h>

#include <cstring>

int main() {
  static char buffer[1 << 20];
  std::memset(buffer, 'x', sizeof buffer);
  for (int i = 0; i < 1024; ++i) {
    if (write(1, buffer, sizeof buffer) < 0) {
      return 1;
    }
  }
  return 0;
}
