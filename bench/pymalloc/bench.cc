// The pymalloc benchmark: every Python trace replayed through pymalloc (this build's
// implementation: the reference with --config=reference, else your labs/pymalloc/student),
// glibc malloc, jemalloc and mimalloc, in one run. Reports, per trace, the time of a replay
// (best of several, interleaved) and the peak resident memory, each also as a ratio to
// pymalloc's. Not a test: nothing asserts on time.
//
//     ./labkit bench pymalloc    # = bazel run --config=opt --config=reference
//     //bench/pymalloc:bench
//
// Each trace is measured twice: whole, and restricted to its small requests (blocks whose
// every size is 1..512 bytes: what pymalloc itself serves; the rest it hands to malloc).
//
// jemalloc and mimalloc come from Debian's packages (libjemalloc2, libmimalloc2.0), loaded
// with dlopen(RTLD_LOCAL | RTLD_DEEPBIND) so that neither replaces malloc for the whole
// process; jemalloc's static TLS needs glibc.rtld.optional_static_tls, so the benchmark
// re-executes itself with that tunable. A library that cannot be loaded is reported n/a.
//
// Peak memory is measured in a fresh process per (allocator, trace) (the benchmark re-runs
// itself with --measure): the peak of the resident set above its start, sampled every 256
// events, with every block written in full (as a program would), so that all four are
// measured the same way.
#include <dlfcn.h>
#include <malloc.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "labs/pymalloc/hidden/hidden_traces.h"
#include "labs/pymalloc/tests/traces.h"
#include "pymalloc/obmalloc.h"

namespace {

using pymalloc::traces::Event;
using pymalloc::traces::Trace;
using Clock = std::chrono::steady_clock;

constexpr int kRounds = 7;

// One allocator: three calls and a name.
struct Api {
  std::string name;
  bool available = false;
  std::function<void*(std::size_t)> malloc_fn;
  std::function<void*(void*, std::size_t)> realloc_fn;
  std::function<void(void*)> free_fn;
  // Makes a fresh heap (pymalloc), or nothing (process-wide heaps). Called once per trace:
  // every allocator then replays the trace several times on its warm heap.
  std::function<void()> reset;
};

// pymalloc heap of the large geometry (CPython 3.10+ default), remade for every trace.
pymalloc::Allocator* current_pymalloc = nullptr;

Api PymallocApi() {
  Api api{"pymalloc", true};
  api.reset = [] {
    delete current_pymalloc;
    current_pymalloc = new pymalloc::Allocator(pymalloc::Geometry::Large());
  };
  api.malloc_fn = [](std::size_t n) { return current_pymalloc->Malloc(n); };
  api.realloc_fn = [](void* p, std::size_t n) { return current_pymalloc->Realloc(p, n); };
  api.free_fn = [](void* p) { current_pymalloc->Free(p); };
  return api;
}

Api GlibcApi() {
  Api api{"glibc", true};
  api.malloc_fn = [](std::size_t n) { return std::malloc(n); };
  api.realloc_fn = [](void* p, std::size_t n) { return std::realloc(p, n); };
  api.free_fn = [](void* p) { std::free(p); };
  return api;
}

void* Load(const char* library) { return dlopen(library, RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND); }

Api JemallocApi() {
  Api api{"jemalloc"};
  void* h = Load("libjemalloc.so.2");
  if (h == nullptr) return api;
  auto mallocx = reinterpret_cast<void* (*)(std::size_t, int)>(dlsym(h, "mallocx"));
  auto rallocx = reinterpret_cast<void* (*)(void*, std::size_t, int)>(dlsym(h, "rallocx"));
  auto dallocx = reinterpret_cast<void (*)(void*, int)>(dlsym(h, "dallocx"));
  if (!mallocx || !rallocx || !dallocx) return api;
  api.available = true;
  // mallocx(0) is undefined: ask for 1 byte, as jemalloc's own malloc(0) does.
  api.malloc_fn = [mallocx](std::size_t n) { return mallocx(n == 0 ? 1 : n, 0); };
  api.realloc_fn = [rallocx](void* p, std::size_t n) { return rallocx(p, n == 0 ? 1 : n, 0); };
  api.free_fn = [dallocx](void* p) {
    if (p != nullptr) dallocx(p, 0);
  };
  return api;
}

Api MimallocApi() {
  Api api{"mimalloc"};
  void* h = Load("libmimalloc.so.2");
  if (h == nullptr) return api;
  auto mi_malloc = reinterpret_cast<void* (*)(std::size_t)>(dlsym(h, "mi_malloc"));
  auto mi_realloc = reinterpret_cast<void* (*)(void*, std::size_t)>(dlsym(h, "mi_realloc"));
  auto mi_free = reinterpret_cast<void (*)(void*)>(dlsym(h, "mi_free"));
  if (!mi_malloc || !mi_realloc || !mi_free) return api;
  api.available = true;
  api.malloc_fn = mi_malloc;
  api.realloc_fn = mi_realloc;
  api.free_fn = mi_free;
  return api;
}

std::vector<Api> AllApis() { return {PymallocApi(), GlibcApi(), JemallocApi(), MimallocApi()}; }

// The trace's small requests only: every block lifetime whose sizes are all 1..512.
Trace SmallOnly(const Trace& trace) {
  std::vector<std::size_t> lifetime_start(trace.num_ids, 0);
  std::vector<bool> keep(trace.events.size(), false);
  std::vector<bool> small(trace.num_ids, true);
  auto is_small = [](std::uint32_t n) { return n >= 1 && n <= 512; };
  auto close = [&](std::uint32_t id, std::size_t end) {
    if (!small[id]) return;
    for (std::size_t k = lifetime_start[id]; k <= end; ++k) {
      if (trace.events[k].id == id) keep[k] = true;
    }
  };
  std::vector<bool> live(trace.num_ids, false);
  for (std::size_t i = 0; i < trace.events.size(); ++i) {
    const Event& e = trace.events[i];
    if (e.kind == Event::kAlloc) {
      lifetime_start[e.id] = i;
      small[e.id] = is_small(e.size);
      live[e.id] = true;
    } else if (e.kind == Event::kRealloc) {
      small[e.id] = small[e.id] && is_small(e.size);
    } else {
      close(e.id, i);
      live[e.id] = false;
    }
  }
  for (std::uint32_t id = 0; id < trace.num_ids; ++id) {
    if (live[id]) close(id, trace.events.size() - 1);
  }
  Trace out;
  out.name = trace.name + " (small)";
  out.num_ids = trace.num_ids;
  for (std::size_t i = 0; i < trace.events.size(); ++i) {
    if (keep[i]) out.events.push_back(trace.events[i]);
  }
  return out;
}

double ReplaySeconds(Api& api, const Trace& trace, std::vector<void*>& slots, bool fresh) {
  if (api.reset && fresh) api.reset();
  auto start = Clock::now();
  pymalloc::traces::FastReplay(trace, slots.data(), api.malloc_fn, api.realloc_fn, api.free_fn);
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::size_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages_total = 0, pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return pages_resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

// In a fresh process: peak resident bytes of one replay above the start.
std::size_t MeasurePeak(Api& api, const Trace& trace) {
  std::vector<void*> slots(trace.num_ids, nullptr);
  std::vector<std::uint32_t> sizes(trace.num_ids, 0);
  if (api.reset) api.reset();
  malloc_trim(0);
  std::size_t base = ResidentBytes(), peak = base;
  std::size_t n = 0;
  for (const Event& e : trace.events) {
    switch (e.kind) {
      case Event::kAlloc:
        slots[e.id] = api.malloc_fn(e.size);
        std::memset(slots[e.id], 0x5a, e.size);
        break;
      case Event::kRealloc:
        slots[e.id] = api.realloc_fn(slots[e.id], e.size);
        std::memset(slots[e.id], 0x5b, e.size);
        break;
      case Event::kFree:
        api.free_fn(slots[e.id]);
        slots[e.id] = nullptr;
        break;
    }
    if (++n % 256 == 0) peak = std::max(peak, ResidentBytes());
  }
  peak = std::max(peak, ResidentBytes());
  return peak - base;
}

Trace TraceNamed(const std::string& name, bool small_only) {
  Trace t = pymalloc::traces::AnyTrace(name);
  return small_only ? SmallOnly(t) : t;
}

std::vector<std::string> PythonTraces() {
  std::vector<std::string> names = pymalloc::traces::PublicTraceNames();
  for (const std::string& n : pymalloc::traces::HiddenTraceNames()) names.push_back(n);
  return names;
}

std::size_t PeakInChild(const std::string& api_name, const std::string& trace, bool small_only) {
  int fds[2];
  if (pipe(fds) != 0) return 0;
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    dup2(fds[1], STDOUT_FILENO);
    execl("/proc/self/exe", "bench", "--measure", api_name.c_str(), trace.c_str(),
          small_only ? "small" : "all", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  std::string out;
  char buf[256];
  ssize_t r;
  while ((r = read(fds[0], buf, sizeof(buf))) > 0) out.append(buf, static_cast<std::size_t>(r));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return static_cast<std::size_t>(std::strtoull(out.c_str(), nullptr, 10));
}

std::string Ratio(double value, double base, bool available) {
  if (!available || base <= 0) return "n/a";
  char text[32];
  std::snprintf(text, sizeof(text), "%.2fx", value / base);
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  // jemalloc needs room in the static TLS block to be dlopen'ed: re-exec with the tunable.
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables == nullptr || std::strstr(tunables, "optional_static_tls") == nullptr) {
    setenv("GLIBC_TUNABLES", "glibc.rtld.optional_static_tls=65536", 1);
    execv("/proc/self/exe", argv);
  }
  if (argc == 5 && std::string(argv[1]) == "--measure") {
    for (Api& api : AllApis()) {
      if (api.name != argv[2]) continue;
      if (!api.available) return 1;
      Trace t = TraceNamed(argv[3], std::string(argv[4]) == "small");
      std::printf("%zu\n", MeasurePeak(api, t));
      return 0;
    }
    return 1;
  }

  std::vector<Api> apis = AllApis();
  std::printf(
      "pymalloc benchmark: pymalloc (16 KiB pools, 1 MiB arenas) vs glibc, jemalloc, "
      "mimalloc\n");
  std::printf(
      "time: best of %d replays on a warm heap (lower is better); ratio = allocator / pymalloc, so "
      "> 1.00x means pymalloc is faster or smaller\n\n",
      kRounds);
  for (bool small_only : {false, true}) {
    std::printf("%s\n", small_only ? "== small requests only (what pymalloc serves itself) =="
                                   : "== whole traces ==");
    std::printf("%-16s %8s | %9s %9s %9s %9s | %9s %9s %9s %9s\n", "trace", "events", "pymalloc",
                "glibc", "jemalloc", "mimalloc", "pymalloc", "glibc", "jemalloc", "mimalloc");
    std::printf("%-16s %8s | %39s | %39s\n", "", "", "time us (ratio)", "peak RSS KiB (ratio)");
    for (const std::string& name : PythonTraces()) {
      Trace trace = TraceNamed(name, small_only);
      std::vector<void*> slots(trace.num_ids, nullptr);
      std::vector<double> best(apis.size(), 1e9);
      for (int round = 0; round < kRounds; ++round) {
        for (std::size_t k = 0; k < apis.size(); ++k) {
          std::size_t i = (k + round) % apis.size();  // rotate who goes first
          if (apis[i].available)
            best[i] = std::min(best[i], ReplaySeconds(apis[i], trace, slots, round == 0));
        }
      }
      std::vector<std::size_t> peak(apis.size(), 0);
      for (std::size_t i = 0; i < apis.size(); ++i) {
        if (apis[i].available) peak[i] = PeakInChild(apis[i].name, name, small_only);
      }
      std::printf("%-16s %8zu |", name.c_str(), trace.events.size());
      for (std::size_t i = 0; i < apis.size(); ++i) {
        std::printf(" %9.0f", apis[i].available ? best[i] * 1e6 : 0.0);
      }
      std::printf(" |");
      for (std::size_t i = 0; i < apis.size(); ++i) std::printf(" %9zu", peak[i] / 1024);
      std::printf("\n%-16s %8s |", "", "");
      for (std::size_t i = 0; i < apis.size(); ++i) {
        std::printf(" %9s", Ratio(best[i], best[0], apis[i].available).c_str());
      }
      std::printf(" |");
      for (std::size_t i = 0; i < apis.size(); ++i) {
        std::printf(" %9s", Ratio(static_cast<double>(peak[i]), static_cast<double>(peak[0]),
                                  apis[i].available && peak[0] > 0)
                                .c_str());
      }
      std::printf("\n");
    }
    std::printf("\n");
  }
  delete current_pymalloc;
  return 0;
}
