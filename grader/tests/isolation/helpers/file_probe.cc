// Adversarial helper: tries to open (read) and list every path in argv. Prints
// "<path>: visible" or "<path>: <error>"; exits with the number of visible paths.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
  int visible = 0;
  for (int i = 1; i < argc; ++i) {
    struct stat st;
    if (stat(argv[i], &st) != 0) {
      std::printf("%s: %s\n", argv[i], std::strerror(errno));
      continue;
    }
    bool readable = false;
    if (S_ISDIR(st.st_mode)) {
      DIR* dir = opendir(argv[i]);
      readable = dir != nullptr && readdir(dir) != nullptr;
      if (dir != nullptr) {
        closedir(dir);
      }
    } else {
      int fd = open(argv[i], O_RDONLY);
      char byte;
      readable = fd >= 0 && read(fd, &byte, 1) >= 0;
      if (fd >= 0) {
        close(fd);
      }
    }
    std::printf("%s: %s\n", argv[i], readable ? "visible" : "exists but unreadable");
    if (readable) {
      ++visible;
    }
  }
  return visible;
}
