// toylab/toy.h: the toy lab's given declarations (a fixture for the grader's tests).
#pragma once

#include <string>

namespace toylab {

// a + b.
int Add(int a, int b);

// 1 + 2 + ... + n (0 for n <= 0).
long long SumTo(int n);

// `text` backwards.
std::string Reverse(const std::string& text);

// Given code: how many characters two strings share at the same positions.
int CommonPrefixLength(const std::string& a, const std::string& b);

}  // namespace toylab
