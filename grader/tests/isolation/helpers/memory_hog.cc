// Adversarial helper: allocates up to 100 GB in 64 MiB chunks and touches every
// page, so the memory is really resident (the optimiser cannot drop it: the
// chunks are summed and printed).
#include <cstdio>
#include <cstring>
#include <vector>

int main() {
  constexpr std::size_t kChunk = 64ULL << 20;
  constexpr std::size_t kTotal = 100ULL << 30;
  std::vector<char*> chunks;
  unsigned long sum = 0;
  for (std::size_t allocated = 0; allocated < kTotal; allocated += kChunk) {
    char* chunk = new char[kChunk];  // throws std::bad_alloc under RLIMIT_AS
    std::memset(chunk, static_cast<int>(allocated >> 20) | 1, kChunk);
    sum += static_cast<unsigned char>(chunk[allocated % kChunk]);
    chunks.push_back(chunk);
  }
  std::printf("allocated everything: %lu %zu\n", sum, chunks.size());
  return 0;
}
