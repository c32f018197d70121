// grader/object_rules.cc: checking a submission's objects (see object_rules.h).
//
// Everything here parses the output of binutils run on untrusted objects, in
// the sandbox (build.cc runs them): lines are matched strictly and anything
// that does not parse is skipped, never trusted.
#include "grader/object_rules.h"

#include <cxxabi.h>
#include <fmt/format.h>

#include <cctype>
#include <cstdlib>
#include <memory>
#include <regex>
#include <sstream>

namespace labkit::grader {
namespace {

// Documented hooks the runtimes call if the program defines them (LLVM's and
// GCC's sanitizer documentation: "default options", suppressions, callbacks).
// The headers declare most of them too; this list covers the ones only the
// documentation names (UBSan has no interface header in GCC 12).
const char* const kDocumentedHooks[] = {
    "__asan_default_options",   "__asan_on_error",
    "__lsan_default_options",   "__lsan_default_suppressions",
    "__lsan_is_turned_off",     "__ubsan_default_options",
    "__tsan_default_options",   "__tsan_default_suppressions",
    "__tsan_on_report",         "__tsan_on_initialize",
    "__tsan_on_finalize",       "__msan_default_options",
    "__hwasan_default_options", "__sanitizer_report_error_summary",
};

// Runtime prefixes: a definition starting with one of these is the runtimes'
// business even if this machine's runtime does not use that name.
const char* const kReservedPrefixes[] = {
    "__asan_",  "__lsan_",   "__ubsan_",     "__tsan_",        "__msan_",         "__hwasan_",
    "__dfsan_", "__sancov_", "__sanitizer_", "__interceptor_", "___interceptor_", "__libc_",
    "_IO_",     "__cxa_",    "__gxx_",       "_dl_",
};

// Sections whose code runs before the sanitizers and the harness are ready,
// or outside the normal order of static constructors and destructors.
const char* const kForbiddenSections[] = {
    ".preinit_array", ".init", ".fini", ".ctors", ".dtors",
};

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool IsReservedByPrefix(std::string_view name) {
  for (const char* prefix : kReservedPrefixes) {
    if (StartsWith(name, prefix)) {
      return true;
    }
  }
  return false;
}

// Reads a <source-name> (<length><identifier>) at `at`; advances `at`.
std::optional<std::string> SourceName(std::string_view s, size_t& at) {
  size_t length = 0;
  size_t digits = 0;
  while (at + digits < s.size() && std::isdigit(static_cast<unsigned char>(s[at + digits]))) {
    length = length * 10 + static_cast<size_t>(s[at + digits] - '0');
    if (length > 4096) {
      return std::nullopt;
    }
    ++digits;
  }
  if (digits == 0 || at + digits + length > s.size()) {
    return std::nullopt;
  }
  std::string name(s.substr(at + digits, length));
  at += digits + length;
  return name;
}

bool IsStdAbbreviation(std::string_view s) {
  // St (std::), Sa (std::allocator), Sb (std::basic_string), Ss, Si, So, Sd.
  return s.size() >= 2 && s[0] == 'S' &&
         std::string_view("tabsiod").find(s[1]) != std::string::npos;
}

// The <name> an <encoding> (without the "_Z") is about: past special names
// (vtables, VTTs, typeinfo and its name, guard variables, reference
// temporaries, thread-local init and wrapper functions), thunks, a local
// entity's enclosing function (Z <function encoding> E ...) and the "L" of
// internal linkage. nullopt when nested too deep to be a real name.
std::optional<std::string_view> NameOfEncoding(std::string_view s, int depth) {
  if (depth > 8 || s.empty()) {
    return std::nullopt;
  }
  for (const char* special : {"TV", "TT", "TI", "TS", "GV", "GR", "TH", "TW"}) {
    if (StartsWith(s, special)) {
      return NameOfEncoding(s.substr(2), depth + 1);
    }
  }
  // Th <offset> _ <encoding>, Tv <offset> _ <offset> _ <encoding>,
  // Tc <call-offset> <call-offset> <encoding>.
  if (StartsWith(s, "Th") || StartsWith(s, "Tv") || StartsWith(s, "Tc")) {
    int underscores = s[1] == 'h' ? 1 : 2;
    size_t at = 2;
    while (at < s.size() && underscores > 0) {
      if (s[at] == '_') {
        --underscores;
      }
      ++at;
    }
    return NameOfEncoding(s.substr(at), depth + 1);
  }
  if (s[0] == 'Z') {
    return NameOfEncoding(s.substr(1), depth + 1);
  }
  if (s[0] == 'L') {
    s = s.substr(1);
  }
  return s;
}

// The outermost component of a <name>: "std", a namespace's or class's
// source name, the name itself at global scope, "" for an operator at
// global scope; nullopt for a form not read here. `nested` says whether the
// name has enclosing scopes.
std::optional<std::string> OuterComponent(std::string_view s, bool& nested) {
  nested = !s.empty() && s[0] == 'N';
  if (nested) {
    size_t at = 1;
    while (at < s.size() && (s[at] == 'r' || s[at] == 'V' || s[at] == 'K')) {
      ++at;
    }
    if (at < s.size() && (s[at] == 'R' || s[at] == 'O')) {
      ++at;
    }
    s = s.substr(at);
  }
  if (IsStdAbbreviation(s)) {
    return std::string("std");
  }
  if (!s.empty() && std::isdigit(static_cast<unsigned char>(s[0]))) {
    size_t pos = 0;
    return SourceName(s, pos);
  }
  if (!nested && s.size() >= 2 && std::islower(static_cast<unsigned char>(s[0]))) {
    return std::string();  // an <operator-name>
  }
  return std::nullopt;
}

// A name a program may give its own global entities: an identifier that the
// language does not reserve (no leading underscore, no double underscore, not
// `std` or `posix`) and that the runtimes do not use as a scope.
bool IsOwnGlobalName(const std::string& name, const std::set<std::string>* reserved_scopes) {
  if (name.empty() || !std::isalpha(static_cast<unsigned char>(name[0])) ||
      name.find("__") != std::string::npos || name == "std" || name == "posix") {
    return false;
  }
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') {
      return false;
    }
  }
  return reserved_scopes == nullptr || reserved_scopes->count(name) == 0;
}

bool IsGlobalDefinition(char type) {
  return std::string_view("TDBRGSCVWAu").find(type) != std::string_view::npos;
}

bool IsUse(char type) { return type == 'U' || type == 'w' || type == 'v'; }

bool IsWeakDefinition(char type) { return type == 'W' || type == 'V' || type == 'u'; }

// The replaceable global allocation functions. The placement forms
// (operator new(size_t, void*) and its deletes) are inline and may not be
// replaced, so objects carry weak copies of them: those are fine.
bool IsGlobalOperatorNewOrDelete(std::string_view mangled) {
  for (const char* placement : {"_ZnwmPv", "_ZnamPv", "_ZdlPvS_", "_ZdaPvS_"}) {
    if (mangled == placement) {
      return false;
    }
  }
  for (const char* prefix : {"_Znw", "_Zna", "_Zdl", "_Zda"}) {
    if (StartsWith(mangled, prefix)) {
      return true;
    }
  }
  return false;
}

// The source file an object was compiled from, as the student named it.
std::string SourceOfObject(std::string object) {
  if (auto at = object.find("obj/"); at != std::string::npos) {
    object = object.substr(at + 4);
  }
  if (object.size() > 2 && object.ends_with(".o")) {
    object = object.substr(0, object.size() - 2) + ".cc";
  }
  return object;
}

std::string JoinNamespaces(const std::vector<std::string>& namespaces) {
  std::string out;
  for (size_t i = 0; i < namespaces.size(); ++i) {
    out += (i == 0 ? "" : i + 1 == namespaces.size() ? " or " : ", ") + namespaces[i];
  }
  return out;
}

struct NmLine {
  std::string file;
  char type = '?';
  std::string name;
};

std::optional<NmLine> ParseNmLine(const std::string& line) {
  // "file:VALUE T name" (VALUE: 16 hex digits) or "file:                 U name";
  // an archive's member is "archive:member:VALUE T name".
  static const std::regex format(R"(^(.+):[0-9a-fA-F ]{16} (\S) (\S+)$)");
  std::smatch m;
  if (!std::regex_match(line, m, format)) {
    return std::nullopt;
  }
  NmLine parsed{m[1], m[2].str()[0], m[3]};
  // Versioned names (nm on shared objects): "write@@GLIBC_2.2.5".
  if (auto at = parsed.name.find('@'); at != std::string::npos) {
    parsed.name.resize(at);
  }
  return parsed;
}

}  // namespace

std::string Demangle(const std::string& name) {
  if (!StartsWith(name, "_Z") || name.size() > 8192) {
    return name;
  }
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> text(
      abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status), std::free);
  return status == 0 && text ? std::string(text.get()) : name;
}

std::optional<std::string> ManglingNamespace(std::string_view mangled) {
  if (!StartsWith(mangled, "_Z")) {
    return std::nullopt;
  }
  std::optional<std::string_view> name = NameOfEncoding(mangled.substr(2), 0);
  if (!name) {
    return std::string();
  }
  bool nested = false;
  std::optional<std::string> outer = OuterComponent(*name, nested);
  if (nested || outer == "std") {
    return outer.value_or("");
  }
  return std::string();  // the global namespace (unscoped names, operators)
}

std::optional<std::string> ManglingScope(std::string_view mangled) {
  if (!StartsWith(mangled, "_Z")) {
    return std::nullopt;
  }
  std::optional<std::string_view> name = NameOfEncoding(mangled.substr(2), 0);
  if (!name) {
    return std::nullopt;
  }
  bool nested = false;
  return OuterComponent(*name, nested);
}

const std::vector<std::string>& ForbiddenCalls() {
  static const std::vector<std::string> calls = {
      // Starting another program (also refused at run time: the harness's
      // seccomp filter), which could run the tests again with other settings.
      "execve",
      "execv",
      "execvp",
      "execvpe",
      "execl",
      "execlp",
      "execle",
      "fexecve",
      "execveat",
      "system",
      "popen",
      "posix_spawn",
      "posix_spawnp",
      // The environment the sanitizers read their settings from.
      "setenv",
      "putenv",
      "unsetenv",
      "clearenv",
      "environ",
      "__environ",
      "_environ",
      // Taking over crash handling from the sanitizers.
      "signal",
      "sigaction",
      "sysv_signal",
      "bsd_signal",
      "__sysv_signal",
      "sigset",
      // Walking the loaded objects to find the runtimes' internals.
      "dl_iterate_phdr",
  };
  return calls;
}

ReservedNames DeriveReservedNames(const std::vector<std::string>& header_texts,
                                  std::string_view runtime_nm_output) {
  ReservedNames names;
  static const std::regex declared(
      R"(\b(__(?:asan|lsan|ubsan|tsan|msan|hwasan|dfsan|sanitizer|sancov)_\w+)\s*\()");
  for (const std::string& text : header_texts) {
    for (std::sregex_iterator it(text.begin(), text.end(), declared), end; it != end; ++it) {
      names.sanitizer_interface.insert((*it)[1].str());
      names.reserved.insert((*it)[1].str());
    }
  }
  for (const char* hook : kDocumentedHooks) {
    names.reserved.insert(hook);
  }
  // `nm -D` lines: "VALUE T name@@VERSION", or "                 w name" for
  // a weak symbol the library looks up (a hook).
  static const std::regex line_format(R"(^[0-9a-fA-F ]{16} (\S) (\S+)$)");
  std::istringstream in{std::string(runtime_nm_output)};
  std::string line;
  std::smatch m;
  while (std::getline(in, line)) {
    if (!std::regex_match(line, m, line_format)) {
      continue;
    }
    char type = m[1].str()[0];
    std::string name = m[2];
    if (auto at = name.find('@'); at != std::string::npos) {
      name.resize(at);
    }
    if (name.empty()) {
      continue;
    }
    if (StartsWith(name, "_Z")) {
      // C++ names: the allow-list decides, but their scopes are the runtimes'.
      if (std::optional<std::string> scope = ManglingScope(name); scope && !scope->empty()) {
        names.scopes.insert(*scope);
      }
      continue;
    }
    if (IsGlobalDefinition(type) || type == 'i' || type == 'w' || type == 'v') {
      names.reserved.insert(name);
    }
  }
  return names;
}

namespace {

// One symbol against the rules: its violation, and how telling it is (the
// rejection names the most telling one: a reserved hook says more about
// intent than a helper with a reserved name, which an attack also defines).
// An allowed definition is added to `definitions`.
std::optional<std::pair<int, RuleViolation>> CheckSymbol(
    const NmLine& nm, const std::string& line, const ObjectRules& rules,
    const std::vector<std::regex>& allowed, const std::vector<std::regex>& forbidden,
    std::vector<StudentDefinition>* definitions) {
  const std::vector<std::string>& calls = ForbiddenCalls();
  const std::string& name = nm.name;
  const std::string shown = Demangle(name);
  auto violation = [&](int weight, std::string rule) {
    return std::make_pair(weight, RuleViolation{std::move(rule), SourceOfObject(nm.file), line});
  };
  auto in_lab = [&](const std::optional<std::string>& ns) {
    return ns && std::find(rules.namespaces.begin(), rules.namespaces.end(), *ns) !=
                     rules.namespaces.end();
  };
  if (nm.type == 'i') {
    return violation(3,
                     "defines an indirect function (IFUNC), whose resolver would run before "
                     "the sanitizers and the harness: " +
                         shown);
  }
  const bool defines = IsGlobalDefinition(nm.type);
  const bool uses = IsUse(nm.type);
  if (!defines && !uses) {
    return std::nullopt;  // local symbols
  }
  for (size_t i = 0; i < forbidden.size(); ++i) {
    if (std::regex_search(shown, forbidden[i])) {
      return violation(
          2, fmt::format("uses or defines `{}`, which submissions may not (it matches the "
                         "forbidden pattern {}): student code must not call the grader's "
                         "harness, GoogleTest, or a lab's private reference",
                         shown, rules.forbidden_symbols[i]));
    }
  }
  if (uses) {
    if (rules.sanitizer_interface && rules.sanitizer_interface->count(name)) {
      return violation(2, "calls the sanitizers' interface, which submissions may not: " + name);
    }
    if (std::find(calls.begin(), calls.end(), name) != calls.end()) {
      return violation(2, fmt::format("calls `{}`, which submissions may not (it could start "
                                      "another program, change the sanitizers' settings or "
                                      "take over their crash handling)",
                                      name));
    }
    return std::nullopt;
  }
  // GCC's weak, hidden pointers to the personality routine and to the
  // typeinfo of each exception type caught (DW.ref.__gxx_personality_v0,
  // DW.ref._ZTISt9bad_alloc): references, the same in every object.
  if (StartsWith(name, "DW.ref.") && IsWeakDefinition(nm.type)) {
    return std::nullopt;
  }
  // A definition. AddressSanitizer gives each global variable an ODR
  // indicator named after it: judge the variable's name (the variable itself
  // is judged and kept on its own line).
  const bool odr_indicator = StartsWith(name, "__odr_asan.");
  const std::string judged = odr_indicator ? name.substr(11) : name;
  auto allow = [&]() -> std::optional<std::pair<int, RuleViolation>> {
    if (definitions != nullptr && !odr_indicator) {
      definitions->push_back(
          StudentDefinition{name, IsWeakDefinition(nm.type), SourceOfObject(nm.file), line});
    }
    return std::nullopt;
  };
  if ((rules.reserved && rules.reserved->count(judged)) || IsReservedByPrefix(judged)) {
    return violation(3, "defines a symbol the grader reserves: " + Demangle(judged));
  }
  if (IsGlobalOperatorNewOrDelete(judged)) {
    return violation(3, "replaces the global " + Demangle(judged) +
                            ", which submissions may not (it would hide leaks from the "
                            "sanitizers)");
  }
  std::optional<std::string> ns = ManglingNamespace(judged);
  if (in_lab(ns)) {
    return allow();
  }
  for (const auto& pattern : allowed) {
    if (std::regex_search(Demangle(judged), pattern)) {
      return allow();
    }
  }
  if (ns && IsWeakDefinition(nm.type)) {
    return allow();  // instantiations, inline functions
  }
  // The student's own name at global scope: a C name, a free function, a
  // global variable, a class outside any namespace (or an operator there).
  std::optional<std::string> scope =
      ns ? ManglingScope(judged) : std::optional<std::string>(judged);
  if (scope && ((ns && scope->empty()) || IsOwnGlobalName(*scope, rules.reserved_scopes))) {
    return allow();
  }
  const std::string entity = Demangle(judged);
  const std::string where = scope && entity.starts_with(*scope + "::")
                                ? fmt::format("in `{}`, a scope", *scope)
                                : std::string("with a name");
  return violation(
      1, fmt::format("defines a symbol outside namespace {} {} the language or its runtimes "
                     "reserve: {} (put your helpers inside namespace {}, in an unnamed "
                     "namespace, or make them static)",
                     JoinNamespaces(rules.namespaces), where, entity,
                     rules.namespaces.empty() ? "" : rules.namespaces[0]));
}

}  // namespace

std::optional<RuleViolation> CheckSymbols(std::string_view nm_output, const ObjectRules& rules,
                                          std::vector<StudentDefinition>* definitions) {
  std::vector<std::regex> allowed, forbidden;
  for (const auto& p : rules.allowed_symbols) {
    allowed.emplace_back(p, std::regex::ECMAScript);
  }
  for (const auto& p : rules.forbidden_symbols) {
    forbidden.emplace_back(p, std::regex::ECMAScript);
  }
  std::optional<std::pair<int, RuleViolation>> worst;
  std::istringstream in{std::string(nm_output)};
  std::string line;
  while (std::getline(in, line)) {
    std::optional<NmLine> nm = ParseNmLine(line);
    if (!nm) {
      continue;
    }
    auto found = CheckSymbol(*nm, line, rules, allowed, forbidden, definitions);
    if (found && (!worst || found->first > worst->first)) {
      worst = std::move(found);
    }
  }
  if (!worst) {
    return std::nullopt;
  }
  return std::move(worst->second);
}

std::map<std::string, bool> ParseKitDefinitions(std::string_view nm_output) {
  std::map<std::string, bool> strong_by_name;
  std::istringstream in{std::string(nm_output)};
  std::string line;
  while (std::getline(in, line)) {
    std::optional<NmLine> nm = ParseNmLine(line);
    if (!nm || !IsGlobalDefinition(nm->type)) {
      continue;
    }
    strong_by_name[nm->name] |= !IsWeakDefinition(nm->type);
  }
  return strong_by_name;
}

std::optional<RuleViolation> CheckAgainstKit(const std::vector<StudentDefinition>& definitions,
                                             const std::map<std::string, bool>& kit_definitions) {
  for (const StudentDefinition& definition : definitions) {
    auto it = kit_definitions.find(definition.name);
    if (it == kit_definitions.end() || (definition.weak && !it->second)) {
      continue;  // the submission's alone, or two copies of one inline function
    }
    return RuleViolation{
        fmt::format("defines `{}`, which the lab's given code or its tests define too: yours "
                    "would replace theirs (rename yours, or make it static)",
                    Demangle(definition.name)),
        definition.file,
        definition.line + "\n(" + (it->second ? "also defined" : "also defined, weak,") +
            " by an input the tests are linked with)"};
  }
  return std::nullopt;
}

std::optional<RuleViolation> CheckSections(std::string_view readelf_output) {
  // "File: out/obj/student/x.o" headers, then "  [ 5] .name  TYPE ..." lines.
  static const std::regex file_line(R"(^File: (\S+)$)");
  static const std::regex section_line(R"(^\s*\[\s*\d+\]\s+(\S+))");
  std::istringstream in{std::string(readelf_output)};
  std::string line, file;
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_match(line, m, file_line)) {
      file = m[1];
      continue;
    }
    if (!std::regex_search(line, m, section_line)) {
      continue;
    }
    std::string section = m[1];
    for (const char* forbidden : kForbiddenSections) {
      if (section == forbidden || StartsWith(section, std::string(forbidden) + ".")) {
        return RuleViolation{
            fmt::format("has a {} section: code there would run before the sanitizers and the "
                        "harness are ready (use ordinary functions and constructors)",
                        section),
            SourceOfObject(file), line};
      }
    }
  }
  return std::nullopt;
}

std::optional<RuleViolation> CheckInstructions(std::string_view objdump_syscall_lines) {
  // Lines "<object> <address>: <instruction>", made by build.cc's awk filter.
  std::istringstream in{std::string(objdump_syscall_lines)};
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) {
      continue;
    }
    std::string object = line.substr(0, line.find(' '));
    if (!object.empty() && object.back() == ':') {
      object.pop_back();
    }
    return RuleViolation{
        "contains a raw system call instruction (inline assembly): submissions may make "
        "system calls only through the C library",
        SourceOfObject(object), line};
  }
  return std::nullopt;
}

}  // namespace labkit::grader
