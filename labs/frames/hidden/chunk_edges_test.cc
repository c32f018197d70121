// Hidden tests: chunk boundaries (frame.h rules 2-5). Sizes are computed from the rules so
// that every test sits exactly on an edge.
#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "frames/vm.h"
#include "labkit/observe.h"
#include "labs/frames/tests/programs.h"

namespace frames {
namespace {

constexpr std::size_t kSmall = 1024;             // bytes
constexpr int kSmallCapacity = (1024 - 24) / 8;  // 125 slots
constexpr int kRootUsable = kSmallCapacity - 1;  // root chunk skips data[0]
static_assert(sizeof(StackChunk) == 24, "the tests assume a 3-slot chunk header");
static_assert(kFrameHeaderSlots == 3, "the tests assume a 3-slot frame header");

// Code objects outlive the frames that point at them.
struct Codes {
  std::deque<Code> codes;
  const Code& Slots(int n) {
    return codes.emplace_back(Code::WithFrameSlots("f" + std::to_string(n), n));
  }
};

Value* Base(Frame* f) { return reinterpret_cast<Value*>(f); }

TEST(ChunkEdges, ExactFillOfRootChunk) {
  ThreadState ts(kSmall);
  Codes c;
  Frame* f = ts.PushFrame(c.Slots(kRootUsable));
  EXPECT_EQ(Base(f), ts.CurrentChunk()->data() + 1);
  EXPECT_EQ(ts.datastack_top, ts.datastack_limit);
  EXPECT_EQ(LABKIT_OBSERVE(ts.LiveChunks()), 1u);
  EXPECT_EQ(LABKIT_OBSERVE(ts.CurrentChunk()->size), kSmall);
  // Now even the smallest frame needs a new chunk.
  Frame* g = ts.PushFrame(c.Slots(3));
  EXPECT_EQ(LABKIT_OBSERVE(ts.LiveChunks()), 2u);
  EXPECT_EQ(Base(g), ts.CurrentChunk()->data());
  EXPECT_EQ(LABKIT_OBSERVE(ts.CurrentChunk()->size), kSmall);
}

TEST(ChunkEdges, ExactFillOfRestAfterOtherFrames) {
  ThreadState ts(kSmall);
  Codes c;
  Frame* a = ts.PushFrame(c.Slots(10));
  Frame* b = ts.PushFrame(c.Slots(20));
  Frame* d = ts.PushFrame(c.Slots(kRootUsable - 30));  // exactly what is left
  EXPECT_EQ(LABKIT_OBSERVE(ts.LiveChunks()), 1u);
  EXPECT_EQ(Base(b), Base(a) + 10);
  EXPECT_EQ(Base(d), Base(b) + 20);
  EXPECT_EQ(ts.datastack_top, ts.datastack_limit);
  EXPECT_EQ(ts.datastack_limit, ts.CurrentChunk()->end());
}

TEST(ChunkEdges, OneSlotMoreTakesNewChunk) {
  ThreadState ts(kSmall);
  Codes c;
  Frame* a = ts.PushFrame(c.Slots(10));
  StackChunk* root = ts.CurrentChunk();
  Frame* b = ts.PushFrame(c.Slots(kRootUsable - 10 + 1));  // one slot too many
  EXPECT_EQ(LABKIT_OBSERVE(ts.LiveChunks()), 2u);
  EXPECT_NE(ts.CurrentChunk(), root);
  EXPECT_EQ(ts.CurrentChunk()->previous, root);
  EXPECT_EQ(Base(b), ts.CurrentChunk()->data());
  // The old chunk remembers where its free space started (index in data()).
  EXPECT_EQ(LABKIT_OBSERVE(root->top), 11u);
  EXPECT_EQ(Base(a), root->data() + 1);
  // 24 + 115 * 8 = 944 bytes fit in the smallest chunk.
  EXPECT_EQ(LABKIT_OBSERVE(ts.CurrentChunk()->size), kSmall);
}

TEST(ChunkEdges, FullSizeFrameInNonRootChunk) {
  ThreadState ts(kSmall);
  Codes c;
  ts.PushFrame(c.Slots(100));
  // A non-root chunk has no skipped slot: 125 slots fit exactly in 1024 bytes.
  ts.PushFrame(c.Slots(kSmallCapacity));
  EXPECT_EQ(LABKIT_OBSERVE(ts.LiveChunks()), 2u);
  EXPECT_EQ(LABKIT_OBSERVE(ts.CurrentChunk()->size), kSmall);
  EXPECT_EQ(ts.datastack_top, ts.datastack_limit);
  // One more slot doubles.
  ts.PushFrame(c.Slots(kSmallCapacity + 1));
  EXPECT_EQ(LABKIT_OBSERVE(ts.LiveChunks()), 3u);
  EXPECT_EQ(LABKIT_OBSERVE(ts.CurrentChunk()->size), 2 * kSmall);
}

TEST(ChunkEdges, RootChunkSizeCountsSkippedSlot) {
  {
    ThreadState ts(kSmall);
    Codes c;
    ts.PushFrame(c.Slots(kRootUsable));
    EXPECT_EQ(LABKIT_OBSERVE(ts.CurrentChunk()->size), kSmall);
  }
  {
    ThreadState ts(kSmall);
    Codes c;
    ts.PushFrame(c.Slots(kRootUsable + 1));  // 24 + (1 + 125) * 8 = 1032 > 1024
    EXPECT_EQ(LABKIT_OBSERVE(ts.CurrentChunk()->size), 2 * kSmall);
    EXPECT_EQ(LABKIT_OBSERVE(ts.LiveChunks()), 1u);
  }
}

TEST(ChunkEdges, FrameBiggerThan16KiB) {
  ThreadState ts;  // default 16 KiB chunks
  Codes c;
  ts.PushFrame(c.Slots(5));
  EXPECT_EQ(LABKIT_OBSERVE(ts.CurrentChunk()->size), kDataStackChunkSize);
  // 3000 slots = 24,000 bytes: 16 KiB doubles once.
  Frame* big = ts.PushFrame(c.Slots(3000));
  EXPECT_EQ(LABKIT_OBSERVE(ts.LiveChunks()), 2u);
  EXPECT_EQ(LABKIT_OBSERVE(ts.CurrentChunk()->size), 32768u);
  EXPECT_EQ(Base(big), ts.CurrentChunk()->data());
  EXPECT_EQ(LABKIT_OBSERVE(ts.LiveChunkBytes()), 16384u + 32768u);
  // Use every slot of it: AddressSanitizer checks the chunk really is that big.
  for (int i = 0; i < 3000 - kFrameHeaderSlots; ++i) {
    big->localsplus()[i] = i;
  }
  EXPECT_EQ(big->localsplus()[2996], 2996);
}

TEST(ChunkEdges, DoublingBoundaryIsExact) {
  // Largest non-root frame in 32 KiB: (32768 - 24) / 8 = 4093 slots; one more needs 64 KiB.
  for (int slots : {4093, 4094, 8189, 8190}) {
    ThreadState ts;
    Codes c;
    ts.PushFrame(c.Slots(3));
    Frame* f = ts.PushFrame(c.Slots(slots));
    labkit::Observe("slots", slots);
    EXPECT_EQ(LABKIT_OBSERVE(ts.CurrentChunk()->size),
              slots <= 4093 ? 32768u : (slots <= 8189 ? 65536u : 131072u))
        << slots << " slots";
    Value* last = f->localsplus() + (slots - kFrameHeaderSlots - 1);
    *last = 7;  // the frame's last slot is inside the chunk (ASan checks)
    EXPECT_EQ(ts.datastack_top, Base(f) + slots);
    EXPECT_LE(ts.datastack_top, ts.datastack_limit);
  }
}

TEST(ChunkEdges, HugeRootFrameThenSmallFrame) {
  ThreadState ts;
  Codes c;
  // Root: 24 + (1 + 4092) * 8 = 32768 exactly, so the chunk is full.
  ts.PushFrame(c.Slots(4092));
  EXPECT_EQ(LABKIT_OBSERVE(ts.CurrentChunk()->size), 32768u);
  EXPECT_EQ(ts.datastack_top, ts.datastack_limit);
  ts.PushFrame(c.Slots(4));
  EXPECT_EQ(LABKIT_OBSERVE(ts.LiveChunks()), 2u);
  EXPECT_EQ(LABKIT_OBSERVE(ts.CurrentChunk()->size), kDataStackChunkSize);
  ts.UnwindTo(0);
  EXPECT_EQ(LABKIT_OBSERVE(ts.LiveChunks()), 1u);
  EXPECT_EQ(LABKIT_OBSERVE(ts.LiveChunkBytes()), 32768u);
}

TEST(ChunkEdges, ChunkCountFollowsPushesAndPops) {
  ThreadState ts(kSmall);
  Codes c;
  const Code& fifty = c.Slots(50);
  std::string after_push, after_pop;
  std::vector<Frame*> frames;
  for (int i = 0; i < 10; ++i) {
    frames.push_back(ts.PushFrame(fifty));
    after_push += std::to_string(ts.LiveChunks()) + " ";
  }
  // Two 50-slot frames per chunk (root: 124 usable; others: 125).
  EXPECT_EQ(LABKIT_OBSERVE(after_push), "1 1 2 2 3 3 4 4 5 5 ");
  for (int i = 9; i >= 0; --i) {
    ts.PopFrame(frames[static_cast<std::size_t>(i)]);
    after_pop += std::to_string(ts.LiveChunks()) + " ";
  }
  // Popping the first frame of a chunk frees it; the root chunk stays.
  EXPECT_EQ(LABKIT_OBSERVE(after_pop), "5 4 4 3 3 2 2 1 1 1 ");
  EXPECT_EQ(LABKIT_OBSERVE(ts.ChunksAllocated()), 5u);
  EXPECT_EQ(LABKIT_OBSERVE(ts.ChunksFreed()), 4u);
  EXPECT_EQ(LABKIT_OBSERVE(ts.ChunkChainLength()), 1u);
}

TEST(ChunkEdges, NoChunkBeforeFirstPush) {
  ThreadState ts;
  EXPECT_EQ(LABKIT_OBSERVE(ts.LiveChunks()), 0u);
  EXPECT_EQ(ts.CurrentChunk(), nullptr);
  Codes c;
  Frame* f = ts.PushFrame(c.Slots(3));
  ts.PopFrame(f);
  for (int i = 0; i < 1000; ++i) {
    ts.PopFrame(ts.PushFrame(c.codes.front()));
  }
  EXPECT_EQ(LABKIT_OBSERVE(ts.LiveChunks()), 1u);
  EXPECT_EQ(LABKIT_OBSERVE(ts.ChunksAllocated()), 1u);
  EXPECT_EQ(ts.datastack_top, ts.CurrentChunk()->data() + 1);
}

TEST(ChunkEdges, SavedTopIsRestored) {
  ThreadState ts(kSmall);
  Codes c;
  Frame* a = ts.PushFrame(c.Slots(10));
  Frame* b = ts.PushFrame(c.Slots(kRootUsable));  // does not fit after a: new chunk
  EXPECT_EQ(LABKIT_OBSERVE(ts.LiveChunks()), 2u);
  ts.PopFrame(b);
  EXPECT_EQ(LABKIT_OBSERVE(ts.LiveChunks()), 1u);
  EXPECT_EQ(ts.datastack_top, Base(a) + 10);
  EXPECT_EQ(ts.datastack_limit, ts.CurrentChunk()->end());
  // The space after `a` in the root chunk is used again.
  Frame* d = ts.PushFrame(c.Slots(kRootUsable - 10));
  EXPECT_EQ(Base(d), Base(a) + 10);
  EXPECT_EQ(LABKIT_OBSERVE(ts.LiveChunks()), 1u);
}

TEST(ChunkEdges, CallReturnAcrossBoundaryChurnsOneChunk) {
  // Like CPython, a frame that just does not fit gets a fresh chunk on every call, freed on
  // every return: no caching of empty chunks.
  ThreadState ts(kSmall);
  Codes c;
  ts.PushFrame(c.Slots(kRootUsable - 2));
  const Code& three = c.Slots(3);
  for (int i = 0; i < 100; ++i) {
    ts.PopFrame(ts.PushFrame(three));
  }
  EXPECT_EQ(LABKIT_OBSERVE(ts.ChunksAllocated()), 101u);
  EXPECT_EQ(LABKIT_OBSERVE(ts.LiveChunks()), 1u);
}

TEST(ChunkEdges, FramesNeverMove) {
  ThreadState ts(kSmall);
  Codes c;
  std::vector<Frame*> frames;
  // Sizes chosen to cross many chunk edges, including frames bigger than a chunk.
  for (int i = 0; i < 60; ++i) {
    const Code& code = c.Slots(3 + (i * 37) % 300);
    Frame* f = ts.PushFrame(code);
    for (int j = 0; j < code.nlocals; ++j) {
      f->localsplus()[j] = i * 1000 + j;
    }
    frames.push_back(f);
  }
  for (int i = 0; i < 60; ++i) {
    Frame* f = frames[static_cast<std::size_t>(i)];
    EXPECT_EQ(ts.GetFrame(59 - i), f);
    for (int j = 0; j < f->code->nlocals; ++j) {
      ASSERT_EQ(f->localsplus()[j], i * 1000 + j) << "frame " << i << " local " << j;
    }
  }
  EXPECT_EQ(LABKIT_OBSERVE(ts.LiveChunks()), LABKIT_OBSERVE(ts.ChunkChainLength()));
}

TEST(ChunkEdges, TinyChunksThroughTheInterpreter) {
  // fib with chunks of 64 bytes (5 slots of data): nearly every call takes a chunk.
  ProgramBuilder b;
  programs::DefFib(b, 1);
  Program p = b.Build();
  ThreadState ts(64);
  EXPECT_EQ(LABKIT_OBSERVE(Eval(ts, p, "fib", {18})), 2584);
  EXPECT_EQ(LABKIT_OBSERVE(ts.LiveChunks()), 1u);
  EXPECT_EQ(LABKIT_OBSERVE(ts.ChunksAllocated() - ts.ChunksFreed()), 1u);
  EXPECT_EQ(ts.Depth(), 0);
}

}  // namespace
}  // namespace frames
