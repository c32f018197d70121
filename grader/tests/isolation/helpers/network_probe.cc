// Adversarial helper: tries TCP to 127.0.0.1:argv[1] and to 1.1.1.1:53 and a UDP
// datagram to 8.8.8.8:53. Prints what happened; exits with the number of
// connections that succeeded.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

static int TryConnect(int type, const char* address, int port) {
  int fd = socket(AF_INET, type, 0);
  if (fd < 0) {
    std::printf("socket(%s): %s\n", address, std::strerror(errno));
    return 0;
  }
  sockaddr_in target{};
  target.sin_family = AF_INET;
  target.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, address, &target.sin_addr);
  int rc = connect(fd, reinterpret_cast<sockaddr*>(&target), sizeof target);
  if (rc == 0 && type == SOCK_DGRAM) {
    rc = send(fd, "x", 1, 0) == 1 ? 0 : -1;
  }
  std::printf("connect(%s:%d): %s\n", address, port, rc == 0 ? "ok" : std::strerror(errno));
  close(fd);
  return rc == 0 ? 1 : 0;
}

int main(int argc, char** argv) {
  int port = argc > 1 ? std::atoi(argv[1]) : 80;
  int successes = TryConnect(SOCK_STREAM, "127.0.0.1", port) +
                  TryConnect(SOCK_STREAM, "1.1.1.1", 53) + TryConnect(SOCK_DGRAM, "8.8.8.8", 53);
  int unix_socket = socket(AF_UNIX, SOCK_STREAM, 0);
  std::printf("unix socket: %s\n", unix_socket >= 0 ? "ok" : std::strerror(errno));
  return successes;
}
