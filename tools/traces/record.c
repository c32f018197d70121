// record.c: an LD_PRELOAD interposer that logs a program's malloc, calloc, realloc and free
// calls as an allocation trace (the format of labs/pymalloc/traces/README.md):
//
//   a <id> <size>     malloc(size) or calloc(n, m) with size = n * m returned a new block
//   r <id> <size>     realloc of block <id> to size bytes
//   f <id>            free of block <id>
//
// Blocks are named by small integer ids, never by address, so a trace replays the same
// way through any allocator. An id is reused (lowest free first) once its block is freed.
//
// Build and use (tools/traces/record.sh does this):
//   cc -O2 -shared -fPIC -o librecord.so record.c -ldl -lpthread
//   TRACE_OUT=out.trace LD_PRELOAD=./librecord.so PYTHONMALLOC=malloc python3 prog.py
//
// The interposer must not allocate through malloc itself: it calls glibc's own entry points
// (__libc_malloc and friends), keeps its address -> id table in mmap'ed memory, and formats
// its output by hand into a buffer written with write(2). Calls made while it is already
// recording (on the same thread) are passed through unrecorded. Calls on pointers it never
// saw (allocated before it was loaded, or by memalign & co.) are passed through and a free
// of one is not logged.
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

extern void* __libc_malloc(size_t);
extern void* __libc_calloc(size_t, size_t);
extern void* __libc_realloc(void*, size_t);
extern void __libc_free(void*);

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static __thread int busy;
static int out_fd = -1;
static int initialised;

// ---- Output -----------------------------------------------------------------------------
static char buffer[1 << 16];
static size_t buffered;

static void Flush(void) {
  size_t done = 0;
  while (done < buffered) {
    ssize_t n = write(out_fd, buffer + done, buffered - done);
    if (n <= 0) break;
    done += (size_t)n;
  }
  buffered = 0;
}

static void PutNumber(uint64_t v) {
  char digits[24];
  int n = 0;
  do {
    digits[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0) buffer[buffered++] = digits[--n];
}

static void Emit(char op, uint64_t id, int with_size, uint64_t size) {
  if (out_fd < 0) return;
  if (buffered > sizeof(buffer) - 64) Flush();
  buffer[buffered++] = op;
  buffer[buffered++] = ' ';
  PutNumber(id);
  if (with_size) {
    buffer[buffered++] = ' ';
    PutNumber(size);
  }
  buffer[buffered++] = '\n';
}

// ---- Address -> id table (open addressing, grown by doubling, in mmap'ed memory) --------
typedef struct {
  uintptr_t address;  // 0: empty, 1: deleted
  uint32_t id;
} Slot;

static Slot* table;
static size_t capacity;  // a power of two
static size_t used;      // live + deleted slots

static uint32_t* free_ids;  // a min-heap of released ids
static size_t nfree_ids, free_ids_capacity;
static uint32_t next_id;

static void* MapZeroed(size_t bytes) {
  void* p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? NULL : p;
}

static size_t Hash(uintptr_t a) { return (size_t)((a >> 4) * 0x9E3779B97F4A7C15ull); }

static void Insert(uintptr_t address, uint32_t id);

static void Grow(void) {
  Slot* old = table;
  size_t old_capacity = capacity;
  capacity = capacity ? capacity * 2 : (1u << 16);
  table = MapZeroed(capacity * sizeof(Slot));
  used = 0;
  for (size_t i = 0; i < old_capacity; ++i) {
    if (old[i].address > 1) Insert(old[i].address, old[i].id);
  }
  if (old) munmap(old, old_capacity * sizeof(Slot));
}

static void Insert(uintptr_t address, uint32_t id) {
  if ((used + 1) * 2 > capacity) Grow();
  size_t mask = capacity - 1;
  for (size_t i = Hash(address) & mask;; i = (i + 1) & mask) {
    if (table[i].address <= 1) {
      if (table[i].address == 0) ++used;
      table[i].address = address;
      table[i].id = id;
      return;
    }
  }
}

// Removes `address`; returns its id, or -1 if it is not in the table.
static int64_t Remove(uintptr_t address) {
  if (capacity == 0) return -1;
  size_t mask = capacity - 1;
  for (size_t i = Hash(address) & mask; table[i].address != 0; i = (i + 1) & mask) {
    if (table[i].address == address) {
      table[i].address = 1;
      return table[i].id;
    }
  }
  return -1;
}

static uint32_t TakeId(void) {
  if (nfree_ids == 0) return next_id++;
  uint32_t top = free_ids[0];
  uint32_t last = free_ids[--nfree_ids];
  size_t i = 0;
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= nfree_ids) break;
    if (c + 1 < nfree_ids && free_ids[c + 1] < free_ids[c]) ++c;
    if (free_ids[c] >= last) break;
    free_ids[i] = free_ids[c];
    i = c;
  }
  if (nfree_ids > 0) free_ids[i] = last;
  return top;
}

static void ReleaseId(uint32_t id) {
  if (nfree_ids == free_ids_capacity) {
    size_t grown = free_ids_capacity ? free_ids_capacity * 2 : (1u << 14);
    uint32_t* bigger = MapZeroed(grown * sizeof(uint32_t));
    if (free_ids) {
      memcpy(bigger, free_ids, nfree_ids * sizeof(uint32_t));
      munmap(free_ids, free_ids_capacity * sizeof(uint32_t));
    }
    free_ids = bigger;
    free_ids_capacity = grown;
  }
  size_t i = nfree_ids++;
  while (i > 0 && free_ids[(i - 1) / 2] > id) {
    free_ids[i] = free_ids[(i - 1) / 2];
    i = (i - 1) / 2;
  }
  free_ids[i] = id;
}

// ---- Recording --------------------------------------------------------------------------
static void Init(void) {
  initialised = 1;
  const char* path = getenv("TRACE_OUT");
  if (path != NULL) out_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

__attribute__((destructor)) static void Finish(void) {
  pthread_mutex_lock(&lock);
  if (out_fd >= 0) {
    Flush();
    close(out_fd);
    out_fd = -1;
  }
  pthread_mutex_unlock(&lock);
}

static int Enter(void) {
  if (busy) return 0;
  busy = 1;
  pthread_mutex_lock(&lock);
  if (!initialised) Init();
  return 1;
}

static void Leave(void) {
  pthread_mutex_unlock(&lock);
  busy = 0;
}

static void RecordNew(void* p, size_t size) {
  if (p == NULL) return;
  uint32_t id = TakeId();
  Insert((uintptr_t)p, id);
  Emit('a', id, 1, size);
}

void* malloc(size_t size) {
  void* p = __libc_malloc(size);
  if (Enter()) {
    RecordNew(p, size);
    Leave();
  }
  return p;
}

void* calloc(size_t n, size_t m) {
  void* p = __libc_calloc(n, m);
  if (Enter()) {
    RecordNew(p, n * m);
    Leave();
  }
  return p;
}

void free(void* p) {
  if (p != NULL && Enter()) {
    int64_t id = Remove((uintptr_t)p);
    if (id >= 0) {
      Emit('f', (uint64_t)id, 0, 0);
      ReleaseId((uint32_t)id);
    }
    Leave();
  }
  __libc_free(p);
}

void* realloc(void* p, size_t size) {
  if (p == NULL) return malloc(size);
  void* q = __libc_realloc(p, size);
  if (Enter()) {
    if (q != NULL || size == 0) {
      int64_t id = Remove((uintptr_t)p);
      if (size == 0 && q == NULL) {  // glibc: realloc(p, 0) frees p
        if (id >= 0) {
          Emit('f', (uint64_t)id, 0, 0);
          ReleaseId((uint32_t)id);
        }
      } else if (id >= 0) {
        Insert((uintptr_t)q, (uint32_t)id);
        Emit('r', (uint64_t)id, 1, size);
      } else {
        RecordNew(q, size);  // a block from before recording started
      }
    }
    Leave();
  }
  return q;
}
