// Attack: #include the hidden tests' source by its absolute path (the test
// fills in @HIDDEN_TEST_FILE@), to print the expected values in a compile
// error. Twin: honest. Expect: the compiler cannot read it: a compile error.
#include "@HIDDEN_TEST_FILE@"
