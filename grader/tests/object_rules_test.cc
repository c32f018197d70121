// Unit tests of grader/object_rules.h: what a submission's objects may define,
// call and contain, on nm/readelf/objdump output as the real tools print it.
#include "grader/object_rules.h"

#include <gtest/gtest.h>

#include <regex>

#include "grader/build.h"

namespace labkit::grader {
namespace {

// The sanitizer headers and runtime libraries, in miniature.
const ReservedNames& Reserved() {
  static const ReservedNames names = DeriveReservedNames(
      {"extern \"C\" {\n"
       "  void __lsan_disable(void);\n"
       "  int __lsan_is_turned_off(void);\n"
       "  void __asan_handle_no_return(void);\n"
       "  const char *__asan_default_options(void);\n"
       "}\n"},
      "0000000000038410 W __asan_default_options\n"
      "                 w __sanitizer_malloc_hook\n"
      "00000000000fa0c0 T write@@GLIBC_2.2.5\n"
      "00000000000a51f0 T malloc@@GLIBC_2.2.5\n"
      "0000000000044db0 T exit@@GLIBC_2.2.5\n"
      "000000000008a870 T pthread_create@@GLIBC_2.34\n"
      "00000000000ec3e0 T _ZNSt6chrono3_V212system_clock3nowEv@@GLIBCXX_3.4.19\n"
      "00000000000c7b30 T _ZN9__gnu_cxx9free_list6_M_getEm@@GLIBCXX_3.4.10\n"
      "00000000000a3f50 T _ZN10__cxxabiv111__terminateEPFvvE@@CXXABI_1.3\n");
  return names;
}

ObjectRules Rules() {
  ObjectRules rules;
  rules.namespaces = {"toy"};
  rules.forbidden_symbols = BuiltinForbiddenSymbols();
  rules.reserved = &Reserved().reserved;
  rules.sanitizer_interface = &Reserved().sanitizer_interface;
  return rules;
}

std::string Defines(const std::string& name, char type = 'T') {
  return std::string("obj/student/toy.o:0000000000000010 ") + type + " " + name + "\n";
}

std::string Uses(const std::string& name) {
  return "obj/student/toy.o:                 U " + name + "\n";
}

std::string RuleFor(const std::string& nm, const ObjectRules& rules = Rules()) {
  std::optional<RuleViolation> v = CheckSymbols(nm, rules);
  return v ? v->rule : "";
}

TEST(ManglingScope, FindsTheOutermostScope) {
  EXPECT_EQ(ManglingScope("_ZN6frames5Stack4PushEv"), "frames");
  EXPECT_EQ(ManglingScope("_ZN4Node4nextEv"), "Node");
  EXPECT_EQ(ManglingScope("_ZNK4Node4sizeEv"), "Node");
  EXPECT_EQ(ManglingScope("_Z8round_upm"), "round_up");
  EXPECT_EQ(ManglingScope("_Z3maxIiET_S0_S0_"), "max");
  EXPECT_EQ(ManglingScope("_ZTV4Node"), "Node");
  EXPECT_EQ(ManglingScope("_ZGVZ8round_upmE5cache"), "round_up");
  EXPECT_EQ(ManglingScope("_ZTW7counter"), "counter");  // thread_local wrapper
  EXPECT_EQ(ManglingScope("_ZSt9terminatev"), "std");
  EXPECT_EQ(ManglingScope("_ZNSt6vectorIiSaIiEE9push_backEOi"), "std");
  EXPECT_EQ(ManglingScope("_ZlsRSoRKN3toy4NodeE"), "");  // operator<< at global scope
  EXPECT_EQ(ManglingScope("_ZTC1A0_1B"), std::nullopt);
  EXPECT_EQ(ManglingScope("counter"), std::nullopt);
}

TEST(ManglingNamespace, FindsTheFirstEnclosingNamespace) {
  EXPECT_EQ(ManglingNamespace("_ZN6frames11ThreadState9PushFrameEPKNS_4CodeE"), "frames");
  EXPECT_EQ(ManglingNamespace("_ZNK8pymalloc9Allocator8GetStatsEv"), "pymalloc");
  EXPECT_EQ(ManglingNamespace("_ZTVN6frames5ErrorE"), "frames");           // vtable
  EXPECT_EQ(ManglingNamespace("_ZTIN6frames5ErrorE"), "frames");           // typeinfo
  EXPECT_EQ(ManglingNamespace("_ZGVZN6frames3FooEvE5cache"), "frames");    // guard variable
  EXPECT_EQ(ManglingNamespace("_ZZN6frames3FooEvE5cache"), "frames");      // local static
  EXPECT_EQ(ManglingNamespace("_ZThn8_N6frames5Error4whatEv"), "frames");  // thunk
  EXPECT_EQ(ManglingNamespace("_ZNSt6vectorIiSaIiEE9push_backEOi"), "std");
  EXPECT_EQ(ManglingNamespace("_ZSt9terminatev"), "std");
  EXPECT_EQ(ManglingNamespace("_Z6helperv"), "");
  EXPECT_EQ(ManglingNamespace("_Znwm"), "");  // operator new
  EXPECT_EQ(ManglingNamespace("write"), std::nullopt);
  EXPECT_EQ(ManglingNamespace("_ZN7frames_5helpEv"), "frames_");  // not "frames"
}

TEST(CheckSymbols, AnHonestObjectPasses) {
  std::string nm =
      Defines("_ZN3toy3AddEii") + Defines("_ZN3toy6kTableE", 'D') +
      Defines("_ZTVN3toy5ErrorE", 'V') + Defines("_ZZN3toy3AddEiiE5calls", 'b') +
      Defines(
          "_ZNSt6vectorIiSaIiEE17_M_realloc_insertIJRKiEEEvN9__gnu_"
          "cxx17__normal_iteratorIPiS1_EEDpOT_",
          'W') +
      Defines("_ZNSt7__cxx119to_stringEl", 'W') + Defines("DW.ref.__gxx_personality_v0", 'V') +
      Defines("_ZnwmPv", 'W') +  // placement new: inline, not replaceable
      Defines("__odr_asan._ZN3toy6kTableE", 'B') + Defines("_ZN12_GLOBAL__N_16helperEv", 't') +
      Uses("memcpy") + Uses("__asan_report_load8") + Uses("__asan_handle_no_return") +
      Uses(
          "_ZN6labkit14NotImplementedC1ERKNSt7__cxx1112basic_stringIcSt11char_"
          "traitsIcESaIcEEE") +
      Uses("_ZNSt6chrono3_V212system_clock3nowEv");
  ObjectRules rules = Rules();
  std::set<std::string> interface = *rules.sanitizer_interface;
  interface.erase("__asan_handle_no_return");  // as build.cc does: the compiler emits it
  rules.sanitizer_interface = &interface;
  EXPECT_EQ(RuleFor(nm, rules), "");
}

TEST(CheckSymbols, ReservedHooksAreRefusedByName) {
  EXPECT_EQ(RuleFor(Defines("__lsan_is_turned_off")),
            "defines a symbol the grader reserves: __lsan_is_turned_off");
  EXPECT_EQ(RuleFor(Defines("__asan_default_options")),
            "defines a symbol the grader reserves: __asan_default_options");
  EXPECT_EQ(RuleFor(Defines("__sanitizer_malloc_hook", 'W')),
            "defines a symbol the grader reserves: __sanitizer_malloc_hook");
  // Documented hooks that no header of this compiler declares, and the prefixes.
  EXPECT_EQ(RuleFor(Defines("__ubsan_default_options")),
            "defines a symbol the grader reserves: __ubsan_default_options");
  EXPECT_EQ(RuleFor(Defines("__tsan_on_report")),
            "defines a symbol the grader reserves: __tsan_on_report");
  EXPECT_EQ(RuleFor(Defines("__sanitizer_anything_new")),
            "defines a symbol the grader reserves: __sanitizer_anything_new");
}

TEST(CheckSymbols, InterposingOnTheRuntimesIsRefused) {
  EXPECT_EQ(RuleFor(Defines("write")), "defines a symbol the grader reserves: write");
  EXPECT_EQ(RuleFor(Defines("malloc", 'W')), "defines a symbol the grader reserves: malloc");
  EXPECT_NE(RuleFor(Defines("_Znwm")).find("replaces the global operator new(unsigned long)"),
            std::string::npos);
  EXPECT_NE(RuleFor(Defines("_ZdlPvm", 'W')).find("replaces the global operator delete"),
            std::string::npos);
}

TEST(CheckSymbols, TheStudentsOwnNamesAtGlobalScopeAreAllowed) {
  // A free function, a global variable (C names are not mangled), a class
  // outside any namespace and its members, an operator for a lab type, and
  // what the compiler emits beside them.
  std::string nm = Defines("_Z8round_upm") + Defines("counter", 'B') + Defines("_ZN4Node4nextEv") +
                   Defines("_ZTV4Node", 'V') + Defines("_ZlsRSoRKN3toy4NodeE") +
                   Defines("__odr_asan.counter", 'B') + Defines("DW.ref._ZTISt9bad_alloc", 'V') +
                   Defines("_ZN3toy3AddEii");
  std::vector<StudentDefinition> definitions;
  EXPECT_EQ(CheckSymbols(nm, Rules(), &definitions), std::nullopt);
  std::vector<std::string> names;
  for (const auto& d : definitions) names.push_back(d.name);
  // Kept for the check against the kit, except the compiler's extras.
  EXPECT_EQ(names,
            (std::vector<std::string>{"_Z8round_upm", "counter", "_ZN4Node4nextEv", "_ZTV4Node",
                                      "_ZlsRSoRKN3toy4NodeE", "_ZN3toy3AddEii"}));
  EXPECT_TRUE(definitions[3].weak);
  EXPECT_FALSE(definitions[0].weak);
  EXPECT_EQ(definitions[0].file, "student/toy.cc");
}

TEST(CheckSymbols, ReservedScopesAndNamesOutsideTheLabAreRefused) {
  // The runtimes' C names, the standard library's namespace, the runtimes'
  // other scopes (from their own symbols), and names the language reserves.
  for (const std::string& nm :
       {Defines("pthread_create"), Defines("exit", 'W'), Defines("_ZSt9terminatev"),
        Defines("_ZN9__gnu_cxx9free_list6_M_getEm"), Defines("_helper"), Defines("_Z8__helperv"),
        Defines("_ZN10__cxxabiv111__terminateEPFvvE"), Defines("__odr_asan.__flag", 'B'),
        Defines("_ZN7std_ext4helpEv", 'T')}) {
    std::string rule = RuleFor(nm);
    if (nm.find("std_ext") != std::string::npos) {
      EXPECT_EQ(rule, "") << "an ordinary namespace of the student's own";
      continue;
    }
    EXPECT_TRUE(rule.starts_with("defines a symbol outside namespace toy ") ||
                rule.starts_with("defines a symbol the grader reserves"))
        << nm << " -> " << rule;
  }
  EXPECT_EQ(RuleFor(Defines("_ZSt9terminatev")),
            "defines a symbol outside namespace toy in `std`, a scope the language or its "
            "runtimes reserve: std::terminate() (put your helpers inside namespace toy, in an "
            "unnamed namespace, or make them static)");
  EXPECT_NE(RuleFor(Defines("_helper"))
                .find("with a name the language or its runtimes reserve: _helper (put"),
            std::string::npos);
  // A lab may allow a named one.
  ObjectRules rules = Rules();
  rules.allowed_symbols = {"^std::terminate\\(\\)$"};
  EXPECT_EQ(RuleFor(Defines("_ZSt9terminatev"), rules), "");
}

TEST(CheckAgainstKit, ADefinitionTheTestsAlsoHaveIsRefused) {
  std::map<std::string, bool> kit = ParseKitDefinitions(
      "libs/labs/toy/libtoy_given.a:given.o:0000000000000040 T _ZN3toy18CommonPrefixLengthEv\n"
      "libs/labs/toy/libtoy_given.a:given.o:0000000000000000 W _ZNSt6vectorIiSaIiEE9push_backEOi\n"
      "libs/labs/toy/libpublic_tests.lo:t.o:0000000000000000 W _Z8Expectedi\n"
      "libs/labs/toy/libpublic_tests.lo:t.o:0000000000000000 T _Z8Expectedi\n"
      "libs/gtest.a:gtest-port.o:0000000000000100 T DeleteThreadLocalValue\n"
      "libs/gtest.a:gtest-port.o:                 U malloc\n");
  EXPECT_EQ(kit.size(), 4u);
  EXPECT_TRUE(kit.at("_Z8Expectedi"));  // strong in one input: strong
  EXPECT_FALSE(kit.at("_ZNSt6vectorIiSaIiEE9push_backEOi"));
  auto rule_for = [&](const std::string& name, bool weak) {
    std::optional<RuleViolation> v =
        CheckAgainstKit({StudentDefinition{name, weak, "student/toy.cc", "nm line"}}, kit);
    return v ? v->rule : "";
  };
  EXPECT_EQ(rule_for("_ZN3toy18CommonPrefixLengthEv", false),
            "defines `toy::CommonPrefixLength()`, which the lab's given code or its tests define "
            "too: yours would replace theirs (rename yours, or make it static)");
  EXPECT_NE(rule_for("_ZN3toy18CommonPrefixLengthEv", true), "");  // weak over a real one
  EXPECT_NE(rule_for("_Z8Expectedi", false), "");
  EXPECT_NE(rule_for("DeleteThreadLocalValue", false), "");
  EXPECT_EQ(rule_for("_ZNSt6vectorIiSaIiEE9push_backEOi", true), "");  // one instantiation
  EXPECT_NE(rule_for("_ZNSt6vectorIiSaIiEE9push_backEOi", false), "");
  EXPECT_EQ(rule_for("_ZN3toy3AddEii", false), "");
  EXPECT_EQ(rule_for("malloc", false), "");  // a use in the kit is not a definition
}

TEST(CheckSymbols, IndirectFunctionsAreRefused) {
  EXPECT_NE(RuleFor(Defines("_ZN3toy3AddEii", 'i')).find("indirect function (IFUNC)"),
            std::string::npos);
}

TEST(CheckSymbols, TheHarnessAndFriendsMayNotBeUsedOrDefined) {
  for (const char* symbol :
       {"_ZN6labkit14ReportFractionEd",
        "_ZN6labkit11ObserveTextESt17basic_string_viewIcSt11char_traitsIcEES3_",
        "_ZN6labkit7harness11CurrentTestEv", "_ZN7testing4Test3RunEv", "main",
        "_ZN18pymalloc_reference9Allocator6MallocEm", "dlsym", "dlsym@GLIBC_2.34"}) {
    std::optional<RuleViolation> v = CheckSymbols(Uses(symbol), Rules());
    ASSERT_TRUE(v.has_value()) << symbol;
    EXPECT_NE(v->rule.find("which submissions may not"), std::string::npos) << v->rule;
    EXPECT_EQ(v->file, "student/toy.cc");
    EXPECT_NE(v->evidence.find(symbol), std::string::npos);
  }
  EXPECT_NE(RuleFor(Defines("main")).find("forbidden pattern ^main$"), std::string::npos);
  ObjectRules rules = Rules();
  rules.forbidden_symbols.push_back("(");
  EXPECT_THROW(CheckSymbols(Uses("f"), rules), std::regex_error);
}

TEST(CheckSymbols, SanitizerInterfaceAndProcessTricksMayNotBeCalled) {
  EXPECT_EQ(RuleFor(Uses("__lsan_disable")),
            "calls the sanitizers' interface, which submissions may not: __lsan_disable");
  for (const char* call : {"execve", "execv", "system", "posix_spawn", "setenv", "putenv",
                           "environ", "sigaction", "signal", "dl_iterate_phdr"}) {
    EXPECT_NE(RuleFor(Uses(call)).find(std::string("calls `") + call + "`"), std::string::npos)
        << call;
  }
  // Leaving early is not forbidden: the harness checks for leaks before it
  // reports a pass, so skipping the at-exit check gains nothing.
  EXPECT_EQ(RuleFor(Uses("_exit") + Uses("exit") + Uses("abort")), "");
}

TEST(CheckSymbols, EveryLineIsRead) {
  // One violation anywhere is enough, after any number of honest lines.
  std::string nm =
      "obj/student/toy.o:0000000000000010 T _ZN3toy1xEv\n"
      "obj/student/toy.o:0000000000000000 T write\n";
  EXPECT_EQ(RuleFor(nm), "defines a symbol the grader reserves: write");
}

TEST(CheckSections, CodeBeforeTheRuntimesIsRefused) {
  std::string readelf =
      "File: obj/student/toy.o\n"
      "  [ 1] .text             PROGBITS        0000000000000000 000040 000123 00  AX  0   0 16\n"
      "  [ 5] .init_array       INIT_ARRAY      0000000000000000 000200 000008 08  WA  0   0  8\n";
  EXPECT_FALSE(CheckSections(readelf).has_value());
  for (const char* section : {".preinit_array", ".init", ".fini", ".ctors", ".dtors.65535"}) {
    std::string bad = readelf + "  [ 6] " + section +
                      "    PREINIT_ARRAY   0000000000000000 000210 000008 08  WA  0   0  8\n";
    std::optional<RuleViolation> v = CheckSections(bad);
    ASSERT_TRUE(v.has_value()) << section;
    EXPECT_NE(v->rule.find(std::string("has a ") + section + " section"), std::string::npos);
    EXPECT_EQ(v->file, "student/toy.cc");
  }
}

TEST(CheckInstructions, RawSystemCallsAreRefused) {
  EXPECT_FALSE(CheckInstructions("").has_value());
  std::optional<RuleViolation> v = CheckInstructions("obj/student/toy.o:   1b:\tsyscall \n");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->file, "student/toy.cc");
  EXPECT_NE(v->rule.find("raw system call"), std::string::npos);
}

TEST(DeriveReservedNames, ComesFromTheHeadersAndTheRuntimes) {
  const ReservedNames& names = Reserved();
  EXPECT_TRUE(names.sanitizer_interface.count("__lsan_disable"));
  EXPECT_TRUE(names.reserved.count("__lsan_is_turned_off"));
  EXPECT_TRUE(names.reserved.count("__sanitizer_malloc_hook"));      // a weak lookup in the runtime
  EXPECT_TRUE(names.reserved.count("write"));                        // version suffix dropped
  EXPECT_TRUE(names.reserved.count("__tsan_default_suppressions"));  // documented hook
  // C++ names are left to the allow-list (weak instantiations are fine), but
  // their scopes are the runtimes'.
  EXPECT_FALSE(names.reserved.count("_ZNSt6chrono3_V212system_clock3nowEv"));
  EXPECT_EQ(names.scopes, (std::set<std::string>{"std", "__gnu_cxx", "__cxxabiv1"}));
}

}  // namespace
}  // namespace labkit::grader
