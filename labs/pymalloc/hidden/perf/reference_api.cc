// Compiled with -Dpymalloc=pymalloc_reference (see reference_api.h).
#include "labs/pymalloc/hidden/perf/reference_api.h"

#include "pymalloc/obmalloc.h"

namespace pymalloc_reference {

struct ReferenceHeap {
  explicit ReferenceHeap(bool large)
      : allocator(large ? pymalloc::Geometry::Large() : pymalloc::Geometry::Small(), &os) {}
  pymalloc::OsLayer os;
  pymalloc::Allocator allocator;
};

ReferenceHeap* NewReferenceHeap(bool large_geometry) { return new ReferenceHeap(large_geometry); }
void DeleteReferenceHeap(ReferenceHeap* heap) { delete heap; }
void* ReferenceMalloc(ReferenceHeap* heap, std::size_t n) { return heap->allocator.Malloc(n); }
void* ReferenceRealloc(ReferenceHeap* heap, void* p, std::size_t n) {
  return heap->allocator.Realloc(p, n);
}
void ReferenceFree(ReferenceHeap* heap, void* p) { heap->allocator.Free(p); }
std::size_t ReferencePeakFootprint(const ReferenceHeap* heap) { return heap->os.peak_footprint(); }

}  // namespace pymalloc_reference
