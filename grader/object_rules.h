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
//   2. or a weak, COMDAT C++ definition: an instantiation of a template or an
//      out-of-line copy of an inline function (std::vector<frames::Frame*>::
//      push_back), which every object using it carries. The test code and the
//      harness are linked BEFORE the student's objects, so where both define
//      one, theirs is the one used. operator new/delete are never allowed;
//   3. or matched by lab.json "allowed_symbols" (ECMAScript regexes over the
//      demangled name), for a lab that asks students to define something else;
//   4. or DW.ref.__gxx_personality_v0, which GCC emits for exception tables,
//      and AddressSanitizer's ODR indicator (__odr_asan.<name>) of a global
//      variable that is itself allowed by rule 1.
// A definition the runtimes reserve (a hook, an interceptor, a libc function:
// see ReservedNames) is named as such in the rejection, since it is the
// likely intent.
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
};

struct RuleViolation {
  std::string rule;      // for the student: "defines a symbol the grader reserves: write"
  std::string file;      // the object's source file, e.g. "student/frame_stack.cc"; may be ""
  std::string evidence;  // for the instructor: the nm/readelf/objdump line(s)
};

// Checks `nm -A` output (mangled names; "file:value type name" lines, value
// blank for undefined symbols) over the submission's objects.
std::optional<RuleViolation> CheckSymbols(std::string_view nm_output, const ObjectRules& rules);

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
};
ReservedNames DeriveReservedNames(const std::vector<std::string>& header_texts,
                                  std::string_view runtime_nm_output);

// The functions a submission may not call (besides the sanitizer interface).
const std::vector<std::string>& ForbiddenCalls();

}  // namespace labkit::grader
