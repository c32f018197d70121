// Attack: a compile-time bomb: a template that instantiates two new copies of
// itself per level, 2^40 of them. Twin: honest. Expect: "compile limit" (the
// compiler runs out of time or memory), score 0.
template <int Level, long Id>
struct Bomb {
  static constexpr long value = Bomb<Level - 1, Id * 2>::value + Bomb<Level - 1, Id * 2 + 1>::value;
};

template <long Id>
struct Bomb<0, Id> {
  static constexpr long value = 1;
};

long bomb = Bomb<40, 0>::value;
