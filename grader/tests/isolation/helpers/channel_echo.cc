// Helper: reads all of fd 3 (an input channel) and writes "got <data>" on
// fd 4 (an output channel); the nonce round trip of the test harness.
#include <unistd.h>

#include <string>

int main() {
  std::string data;
  char buffer[4096];
  ssize_t n;
  while ((n = read(3, buffer, sizeof buffer)) > 0) {
    data.append(buffer, static_cast<size_t>(n));
  }
  if (n < 0) {
    return 3;
  }
  std::string reply = "got " + data;
  if (write(4, reply.data(), reply.size()) != static_cast<ssize_t>(reply.size())) {
    return 4;
  }
  return 0;
}
