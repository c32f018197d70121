// Adversarial helper: burns CPU forever.
int main() {
  volatile unsigned long counter = 0;
  while (true) {
    counter = counter + 1;
  }
}
