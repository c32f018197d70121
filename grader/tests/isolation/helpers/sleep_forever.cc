// Adversarial helper: sleeps forever without using CPU.
#include <unistd.h>

int main() {
  while (true) {
    pause();
  }
}
