// The performance tests' private copy of the reference allocator, behind plain functions.
//
// reference_api.cc and a copy of the reference and given sources are compiled with
// -Dpymalloc=pymalloc_reference, so the copy lives in its own namespace and never collides
// with the submission's symbols. These functions are in that namespace too: the grader
// rejects a submission whose objects name anything in a namespace "<lab>_reference"
// (grader/build.h BuiltinForbiddenSymbols, and lab.json "forbidden_symbols").
#pragma once

#include <cstddef>

namespace pymalloc_reference {

struct ReferenceHeap;  // an OsLayer and an Allocator of the reference

ReferenceHeap* NewReferenceHeap(bool large_geometry);
void DeleteReferenceHeap(ReferenceHeap* heap);
void* ReferenceMalloc(ReferenceHeap* heap, std::size_t n);
void* ReferenceRealloc(ReferenceHeap* heap, void* p, std::size_t n);
void ReferenceFree(ReferenceHeap* heap, void* p);
std::size_t ReferencePeakFootprint(const ReferenceHeap* heap);

}  // namespace pymalloc_reference
