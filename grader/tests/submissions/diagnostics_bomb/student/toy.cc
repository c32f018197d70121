// Attack: a compile-time bomb: a few lines that make a quarter of a million
// errors (each identifier is new, so each is reported), hundreds of MB of
// diagnostics. Twin: honest. Expect: "compile limit" (too much output), 0.
#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define E1 CAT(undeclared_in_a_bomb_, __COUNTER__);
#define E8 E1 E1 E1 E1 E1 E1 E1 E1
#define E64 E8 E8 E8 E8 E8 E8 E8 E8
#define E512 E64 E64 E64 E64 E64 E64 E64 E64
#define E4K E512 E512 E512 E512 E512 E512 E512 E512
#define E32K E4K E4K E4K E4K E4K E4K E4K E4K
#define E256K E32K E32K E32K E32K E32K E32K E32K E32K

void bomb() { E256K }
