// The type objects, the immortal singletons and the small-int cache (GIVEN). The type
// objects point at the deallocators and GC functions students write in student/objects.cc.
#include <array>
#include <cstdint>
#include <stdexcept>
#include <string_view>

#include "refcount/object.h"
#include "refcount/objects.h"

namespace refcount {
namespace {

// Immortal objects are never deallocated (rule 2): reaching one of these means a count went
// wrong somewhere. CPython 3.11 says "deallocating None" here; 3.12 quietly re-immortalises.
void NoneDealloc(Object*) { FatalError("none_dealloc", "deallocating None"); }
void BoolDealloc(Object*) { FatalError("bool_dealloc", "deallocating True or False"); }

}  // namespace

TypeObject NoneType = {
    .tp_name = "NoneType",
    .tp_basicsize = sizeof(Object),
    .tp_dealloc = NoneDealloc,
};
TypeObject BoolType = {
    .tp_name = "bool",
    .tp_basicsize = sizeof(IntObject),
    .tp_dealloc = BoolDealloc,
};
TypeObject IntType = {
    .tp_name = "int",
    .tp_basicsize = sizeof(IntObject),
    .tp_dealloc = IntDealloc,
};
TypeObject StrType = {
    .tp_name = "str",
    .tp_basicsize = sizeof(StrObject),
    .tp_itemsize = 1,
    .tp_dealloc = StrDealloc,
};
TypeObject TupleType = {
    .tp_name = "tuple",
    .tp_basicsize = sizeof(TupleObject),
    .tp_itemsize = sizeof(Object*),
    .tp_dealloc = TupleDealloc,
    .tp_traverse = TupleTraverse,
    .tp_clear = TupleClear,
    .tp_flags = kTpFlagsHaveGc,
};
TypeObject ListType = {
    .tp_name = "list",
    .tp_basicsize = sizeof(ListObject),
    .tp_dealloc = ListDealloc,
    .tp_traverse = ListTraverse,
    .tp_clear = ListClear,
    .tp_flags = kTpFlagsHaveGc,
};
TypeObject InstanceType = {
    .tp_name = "Instance",
    .tp_basicsize = sizeof(InstanceObject),
    .tp_itemsize = sizeof(Object*),
    .tp_dealloc = InstanceDealloc,
    .tp_traverse = InstanceTraverse,
    .tp_clear = InstanceClear,
    .tp_finalize = InstanceFinalize,
    .tp_flags = kTpFlagsHaveGc,
};

namespace {

// Statically allocated, immortal objects: never made by ObjectAlloc, never counted.
Object none_object = {kImmortalRefcnt, &NoneType};
IntObject false_object = {{kImmortalRefcnt, &BoolType}, 0};
IntObject true_object = {{kImmortalRefcnt, &BoolType}, 1};

// The empty tuple is a container, so it has a GC header in front like every tuple (never
// tracked: an empty tuple cannot be part of a cycle).
struct EmptyTupleStorage {
  GcHead gc;
  TupleObject tuple;
};
EmptyTupleStorage empty_tuple = {{0, 0}, {{{kImmortalRefcnt, &TupleType}, 0}}};

constexpr std::size_t kSmallInts = kSmallIntMax - kSmallIntMin + 1;  // 262
constinit std::array<IntObject, kSmallInts> small_ints = [] {
  std::array<IntObject, kSmallInts> ints{};
  for (std::size_t i = 0; i < kSmallInts; ++i) {
    ints[i] = IntObject{{kImmortalRefcnt, &IntType}, kSmallIntMin + static_cast<std::int64_t>(i)};
  }
  return ints;
}();

}  // namespace

Object* None() { return &none_object; }
Object* True() { return &true_object.ob_base; }
Object* False() { return &false_object.ob_base; }
Object* BoolFromLong(long v) { return NewRef(v != 0 ? True() : False()); }
Object* EmptyTuple() { return &empty_tuple.tuple.ob_base.ob_base; }

Object* SmallInt(std::int64_t v) {
  if (v < kSmallIntMin || v > kSmallIntMax) {
    throw std::out_of_range("SmallInt: not a small int");
  }
  return &small_ints[static_cast<std::size_t>(v - kSmallIntMin)].ob_base;
}

bool IsInt(Object* op) { return op != nullptr && op->ob_type == &IntType; }
std::int64_t IntAsLong(Object* op) {
  if (!IsInt(op) && !(op != nullptr && op->ob_type == &BoolType)) {
    throw std::invalid_argument("IntAsLong: not an int");
  }
  return AsInt(op)->value;
}
Object* IntAdd(Object* a, Object* b) {
  const auto sum =
      static_cast<std::uint64_t>(IntAsLong(a)) + static_cast<std::uint64_t>(IntAsLong(b));
  return IntFromLong(static_cast<std::int64_t>(sum));
}

bool IsStr(Object* op) { return op != nullptr && op->ob_type == &StrType; }
std::string_view StrView(Object* op) {
  if (!IsStr(op)) {
    throw std::invalid_argument("StrView: not a str");
  }
  StrObject* s = AsStr(op);
  return {s->data(), static_cast<std::size_t>(s->ob_base.ob_size)};
}

void InstanceSetFinalizer(Object* inst, Finalizer finalizer, void* arg) {
  InstanceObject* self = AsInstance(inst);
  self->finalizer = finalizer;
  self->finalizer_arg = arg;
}

void InstanceFinalize(Object* op) {
  InstanceObject* self = AsInstance(op);
  if (self->finalizer != nullptr) {
    self->finalizer(op, self->finalizer_arg);
  }
}

}  // namespace refcount
