// Attack: #include the reference solution by its absolute path (the test
// fills in @SOLUTION_FILE@), which would define every function correctly.
// Twin: honest. Expect: the compiler cannot read it: a compile error, 0.
#include "@SOLUTION_FILE@"
