// grader/object_rules.h: what a submission's compiled objects may contain.
//
// Student code runs inside the test process, so anything that process consults
// about itself is an attack surface: the sanitizer runtimes look up hooks by
// name (`__lsan_is_turned_off`, `__lsan_default_suppressions`, ...), the
// dynamic linker lets a definition in the executable interpose on libc's and
// libstdc++'s (`write`, `_exit`, `malloc`, `operator new`), and code can run
// before the harness does (`.preinit_array`, IFUNC resolvers). These rules are
// checked on the objects the student's files compile to, before anything is
// linked; a violation rejects the build with a sentence naming the rule.
//
// Definitions are checked against an ALLOW-list. Every symbol with external
// linkage that an object defines must be
//   1. in one of the lab's namespaces (lab.json "namespaces", default: its id),
//      types' vtables, typeinfo, guard variables and local statics of such
//      functions included;
//   2. or the student's own name at global scope: a free function, a global
//      variable, or a class declared outside any namespace, and its members
//      (`int round_up(int)`, `struct Node`), whose name is not reserved by the
//      language (a leading underscore, a double underscore, `std`), by the
//      runtimes (a C name they define or look up: `write`, `index`, `main`;
//      a namespace their C++ names live in: `__gnu_cxx`, `__cxxabiv1`);
//   3. or a weak, COMDAT C++ definition: an instantiation of a template or an
//      out-of-line copy of an inline function (std::vector<frames::Frame*>::
//      push_back), which every object using it carries. The test code and the
//      harness are linked BEFORE the student's objects, so where both define
//      one, theirs is the one used. operator new/delete are never allowed;
//   4. or matched by lab.json "allowed_symbols" (ECMAScript regexes over the
//      demangled name), for a lab that asks students to define something else;
//   5. or what the compiler emits beside them: the weak DW.ref.<name>
//      pointers of exception tables (to the personality routine and to each
//      caught type's typeinfo) and AddressSanitizer's ODR indicator
//      (__odr_asan.<name>) of a global variable that is itself allowed.
// A definition the runtimes reserve (a hook, an interceptor, a libc function:
// see ReservedNames) is named as such in the rejection, since it is the
// likely intent.
//
// And every definition must be the submission's alone: one that the link's
// other inputs (the lab's given code, the tests, the harness, GoogleTest)
// also define would replace theirs, a given function the tests trust or a
// test's own helper, so it is refused unless both are weak copies of one
// inline function or instantiation (CheckAgainstKit, at link time, since a
// lab's suites link different inputs).
//
// Uses are checked against a deny-list: the grader's harness and GoogleTest,
// a lab's private reference, dlsym and friends, the sanitizers' user
// interface (every function declared in the compiler's sanitizer/*.h
// headers: turning checks off, ignoring objects, changing where reports go),
// and the ways to end the process without the at-exit leak check or to start
// another program (exit/_exit/quick_exit, exec*, system, posix_spawn),
// environment writes, raw syscall().
//
// Whole objects: no `.preinit_array`, `.init`/`.fini`, `.ctors`/`.dtors`
// sections (code run before the runtimes and the harness are ready), no IFUNC
// symbols (resolvers run while relocating, before everything), and no raw
// system call instructions (`syscall`, `sysenter`, `int $0x80`), which would
// bypass every check on functions.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace labkit::grader {

struct ObjectRules {
  std::vector<std::string> namespaces;         // lab namespaces, e.g. {"frames"}
  std::vector<std::string> allowed_symbols;    // regexes over demangled names
  std::vector<std::string> forbidden_symbols;  // regexes: may neither be defined nor used
  // Names the runtimes reserve (sanitizer hooks and interface, libc and the
  // other runtimes' exported C symbols). From ReservedNames().
  const std::set<std::string>* reserved = nullptr;
  // Sanitizer interface functions a submission may not call.
  const std::set<std::string>* sanitizer_interface = nullptr;
  // Scopes (namespaces) the runtimes' C++ names live in. From ReservedNames().
  const std::set<std::string>* reserved_scopes = nullptr;
};

// An external definition the rules allowed, kept for CheckAgainstKit.
struct StudentDefinition {
  std::string name;  // mangled, without a version suffix
  bool weak = false;
  std::string file;  // the object's source file
  std::string line;  // the nm line, as evidence
};

struct RuleViolation {
  std::string rule;      // for the student: "defines a symbol the grader reserves: write"
  std::string file;      // the object's source file, e.g. "student/frame_stack.cc"; may be ""
  std::string evidence;  // for the instructor: the nm/readelf/objdump line(s)
};

// Checks `nm -A` output (mangled names; "file:value type name" lines, value
// blank for undefined symbols) over the submission's objects. With
// `definitions`, also lists the external definitions it allowed.
std::optional<RuleViolation> CheckSymbols(std::string_view nm_output, const ObjectRules& rules,
                                          std::vector<StudentDefinition>* definitions = nullptr);

// What the link's other inputs define, from `nm -A -g --defined-only` over
// them: each name, and whether any of them defines it strongly (not weak).
std::map<std::string, bool> ParseKitDefinitions(std::string_view nm_output);

// The first definition of `definitions` that `kit_definitions` also has,
// unless both are weak.
std::optional<RuleViolation> CheckAgainstKit(const std::vector<StudentDefinition>& definitions,
                                             const std::map<std::string, bool>& kit_definitions);

// Checks `readelf -S -W` output over the objects (section names), and the
// lines of `objdump -d` output that name a system-call instruction.
std::optional<RuleViolation> CheckSections(std::string_view readelf_output);
std::optional<RuleViolation> CheckInstructions(std::string_view objdump_syscall_lines);

// The namespace a mangled C++ name is declared in: its first enclosing
// namespace component ("frames" for _ZN6frames5Stack4PushEv, "std" for
// _ZSt9terminatev and _ZNSt6vectorIiSaIiEE..., "" for _Z3foov), looking
// through vtables, typeinfo, guard variables, thunks and local entities.
// nullopt for a name that is not a mangled C++ name (a C symbol).
std::optional<std::string> ManglingNamespace(std::string_view mangled);

// The outermost scope a mangled C++ name is declared in: its first
// namespace, or the class or the name itself at global scope ("frames" for
// _ZN6frames5Stack4PushEv, "Node" for _ZN4Node4nextEv, "round_up" for
// _Z8round_upm, "std" for _ZSt9terminatev). "" when there is none to name
// (operators at global scope); nullopt for a name that is not a C++ name.
std::optional<std::string> ManglingScope(std::string_view mangled);

// A demangled name, or the name itself when it is not a C++ name.
std::string Demangle(const std::string& name);

// Names the sanitizer runtimes reserve, derived from their own files:
// functions declared in the compiler's include/sanitizer/*.h headers
// (`header_texts`), the runtimes' documented default-option hooks, and
// (`nm -D` output of the runtime libraries: libc, libstdc++, libasan, ...)
// every C symbol they define and every weak symbol they look up.
struct ReservedNames {
  std::set<std::string> reserved;             // may not be defined
  std::set<std::string> sanitizer_interface;  // may not be used (the user API)
  std::set<std::string> scopes;               // scopes of their C++ names: std, __gnu_cxx, ...
};
ReservedNames DeriveReservedNames(const std::vector<std::string>& header_texts,
                                  std::string_view runtime_nm_output);

// The functions a submission may not call (besides the sanitizer interface).
const std::vector<std::string>& ForbiddenCalls();

}  // namespace labkit::grader
