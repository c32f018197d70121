// grader/build.cc: compiling, checking and linking a submission in the sandbox.
//
// Design: a submission is compiled outside Bazel, with exactly the compiler,
// flags, defines and include directories the kit recorded, so it sees the same
// headers the reference was built against, in the same configuration (e.g. with
// sanitizers). The compiler runs in the sandbox because compiling untrusted code
// is itself untrusted (#include "/etc/shadow", asm(".incbin"), template bombs,
// a gigabyte of diagnostics), and it sees only what it needs: the kit's public
// headers, the scratch tree, and an output directory. Anything that makes the
// compiler run into its limits is a "compile limit" result, said as such.
// Files are compiled one by one so that the first error shown is in the first
// broken file, and the output shown to the student has sandbox paths removed
// (`student/x.cc:3:1: error: ...`).
//
// The objects are then read with nm, readelf and objdump, each in its own
// sandboxed run (an object made from untrusted source is untrusted input, and
// one tool's output cannot be made to look like another's), and checked
// against object_rules.h before anything is linked.
#include "grader/build.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <exception>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "grader/files.h"
#include "grader/runner.h"
#include "grader/sandbox.h"
#include "grader/sandbox_ids.h"
#include "grader/shared_dirs.h"

namespace labkit::grader {
namespace fs = std::filesystem;
namespace {

// Compiler-emitted calls that the sanitizer headers also declare: the
// instrumentation calls __asan_handle_no_return before every noreturn call.
const char* const kInstrumentationCalls[] = {"__asan_handle_no_return"};

std::string InSandbox(const char* root, const std::string& relative) {
  if (relative.empty() || relative == ".") {
    return root;
  }
  return std::string(root) + "/" + relative;
}

void ReplaceAll(std::string& text, std::string_view from, std::string_view to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

SandboxSpec BaseSpec(const BuildOptions& options) {
  SandboxSpec spec;
  spec.env = {{"PATH", "/usr/bin:/bin"},
              {"LANG", "C"},
              {"LC_ALL", "C"},
              {"HOME", kSandboxOutDir},
              {"TMPDIR", std::string(kSandboxOutDir) + "/tmp"}};
  spec.limits.wall_seconds = options.compile_seconds;
  spec.limits.cpu_seconds = options.compile_seconds;
  spec.limits.memory_bytes = 4ULL << 30;
  spec.limits.limit_address_space = false;
  spec.limits.output_bytes = 1ULL << 20;
  spec.limits.file_size_bytes = 512ULL << 20;
  spec.limits.max_processes = 64;
  spec.group = options.group;
  return spec;
}

// A tool stopped by one of its limits, as the student should read it.
std::string CompileLimitMessage(const std::string& tool, const RunResult& result,
                                const Limits& limits) {
  std::string what;
  switch (result.outcome) {
    case Outcome::kWallTimeout:
    case Outcome::kCpuLimit:
      what = fmt::format("ran for more than {:.0f} s", limits.cpu_seconds);
      break;
    case Outcome::kMemoryLimit:
      what = fmt::format("used more than {} MiB of memory", limits.memory_bytes >> 20);
      break;
    case Outcome::kOutputLimit:
      what = fmt::format("printed more than {} KiB of diagnostics", limits.output_bytes >> 10);
      break;
    case Outcome::kFileSizeLimit:
      what = fmt::format("wrote a file larger than {} MiB", limits.file_size_bytes >> 20);
      break;
    default:
      what = DescribeOutcome(result, limits);
  }
  return fmt::format(
      "compile limit: the {} {} and was stopped (an #include of a device or a huge file, a "
      "template or constexpr blow-up, or runaway diagnostics)\n",
      tool, what);
}

// Runs one compiler/linker command; returns whether it succeeded. On a
// limit, `limit_message` says which.
bool RunTool(const SandboxSpec& spec, const std::string& tool, std::string& log,
             std::string& limit_message) {
  RunResult result = RunSandboxed(spec);
  if (result.outcome == Outcome::kSetupFailed) {
    throw GraderFault("the sandbox could not run the " + tool + ": " + result.detail +
                      " (check that bubblewrap is installed and the grader runs as root)");
  }
  log += result.stderr_data;
  log += result.stdout_data;
  if (result.ExitedCleanly()) {
    return true;
  }
  if (result.outcome != Outcome::kExited && result.outcome != Outcome::kSignaled) {
    limit_message = CompileLimitMessage(tool, result, spec.limits);
    log += "\n" + limit_message;
  } else if (result.outcome == Outcome::kSignaled) {
    log += fmt::format("\n{}: {}\n", tool, DescribeOutcome(result, spec.limits));
  }
  return false;
}

// Runs a binutils tool over the objects in the sandbox; its stdout, or a
// CompiledObjects failure.
std::optional<std::string> InspectObjects(const std::vector<std::string>& argv,
                                          const CompiledObjects& compiled,
                                          const BuildOptions& options, std::string& error) {
  SandboxSpec spec = BaseSpec(options);
  spec.mounts = {{compiled.dir.string(), kSandboxObjDir, false}};
  spec.working_dir = kSandboxObjDir;
  spec.argv = argv;
  spec.limits.output_bytes = 16ULL << 20;
  spec.limits.wall_seconds = std::min(options.compile_seconds, 60.0);
  spec.limits.cpu_seconds = spec.limits.wall_seconds;
  RunResult result = RunSandboxed(spec);
  if (result.outcome == Outcome::kSetupFailed) {
    throw GraderFault("the sandbox could not run " + argv[0] + ": " + result.detail);
  }
  if (!result.ExitedCleanly()) {
    error = fmt::format("{} could not read the compiled objects ({}):\n{}", argv[0],
                        DescribeOutcome(result, spec.limits),
                        TrimCompilerOutput(result.stderr_data, 10, 1024));
    return std::nullopt;
  }
  return result.stdout_data;
}

// The object rules, applied to `compiled` (ok on entry); sets it failed on a
// violation.
void CheckObjectRules(const StagedKit& kit, const BuildOptions& options,
                      CompiledObjects& compiled) {
  const ReservedNames& reserved = RuntimeReservedNames(kit.manifest.compiler, options.cache_dir);
  std::set<std::string> interface = reserved.sanitizer_interface;
  for (const char* call : kInstrumentationCalls) {
    interface.erase(call);
  }
  ObjectRules rules;
  rules.namespaces = options.namespaces;
  rules.allowed_symbols = options.allowed_symbols;
  rules.forbidden_symbols = BuiltinForbiddenSymbols();
  rules.forbidden_symbols.insert(rules.forbidden_symbols.end(), options.forbidden_symbols.begin(),
                                 options.forbidden_symbols.end());
  rules.reserved = &reserved.reserved;
  rules.sanitizer_interface = &interface;
  rules.reserved_scopes = &reserved.scopes;

  auto fail = [&](const RuleViolation& v) {
    compiled.ok = false;
    compiled.stage = kStageRules;
    compiled.rule = v.rule;
    compiled.errors = fmt::format("{}: {}\n", v.file.empty() ? "a student file" : v.file, v.rule);
    compiled.log +=
        "rejected by the object rules: " + compiled.errors + "evidence: " + v.evidence + "\n";
  };
  auto inspect_failed = [&](const std::string& error) {
    compiled.ok = false;
    compiled.stage = kStageRules;
    compiled.rule = "objects the grader's tools cannot read";
    compiled.errors = error;
    compiled.log += error;
  };
  const std::vector<std::string>& objects = compiled.objects;
  std::string error;
  std::vector<std::string> nm = {"/usr/bin/nm", "-A"};
  nm.insert(nm.end(), objects.begin(), objects.end());
  std::optional<std::string> symbols = InspectObjects(nm, compiled, options, error);
  if (!symbols) {
    return inspect_failed(error);
  }
  std::optional<RuleViolation> violation;
  try {
    violation = CheckSymbols(*symbols, rules, &compiled.definitions);
  } catch (const std::regex_error& e) {
    throw GraderFault(std::string("a symbol pattern in lab.json is not a valid regex: ") +
                      e.what());
  }
  if (violation) {
    return fail(*violation);
  }

  std::vector<std::string> readelf = {"/usr/bin/readelf", "-S", "-W"};
  readelf.insert(readelf.end(), objects.begin(), objects.end());
  std::optional<std::string> sections = InspectObjects(readelf, compiled, options, error);
  if (!sections) {
    return inspect_failed(error);
  }
  // readelf names each file only when given several.
  if (objects.size() == 1) {
    sections = "File: " + objects[0] + "\n" + *sections;
  }
  if ((violation = CheckSections(*sections))) {
    return fail(*violation);
  }

  // Only the instruction lines that make system calls, each with its object.
  std::vector<std::string> objdump = {
      "/bin/sh", "-c",
      "/usr/bin/objdump -d --no-show-raw-insn \"$@\" | /usr/bin/awk '"
      "/: +file format / { file = $1 } "
      "/\\t(syscall|sysenter)( |$)|\\tint +\\$0x80/ { print file, $0 }'",
      "objdump"};
  objdump.insert(objdump.end(), objects.begin(), objects.end());
  std::optional<std::string> calls = InspectObjects(objdump, compiled, options, error);
  if (!calls) {
    return inspect_failed(error);
  }
  if ((violation = CheckInstructions(*calls))) {
    return fail(*violation);
  }
}

}  // namespace

const std::vector<std::string>& BuiltinForbiddenSymbols() {
  static const std::vector<std::string> patterns = {
      R"(^labkit::ReportFraction\b)",  // the harness's scoring and observations
      R"(^labkit::ObserveText\b)",
      R"(^labkit::Observe<)",
      R"(^labkit::harness::)",  // the harness's internals
      R"(^testing::)",          // GoogleTest: the tests' machinery, not the student's
      R"(^main$)",
      R"(^\w+_reference::)",                       // a lab's private copy of its reference
      R"(^(dlsym|dlvsym|dlopen|dlmopen)(@.*)?$)",  // finding any of the above by name
  };
  return patterns;
}

namespace {

// What the runtimes' names depend on: the compiler, and the installed
// packages (any install or upgrade rewrites dpkg's status file).
std::string RuntimeNamesKey(const std::string& compiler) {
  std::string key = "labkit-runtime-names-v2 " + compiler;
  for (const char* path : {compiler.c_str(), "/var/lib/dpkg/status"}) {
    struct stat st;
    if (stat(path, &st) == 0) {
      key += fmt::format(" {}:{}:{}", path, st.st_size, st.st_mtim.tv_sec);
    }
  }
  return Sha256Hex(key);
}

std::optional<ReservedNames> LoadRuntimeNames(const fs::path& file) {
  std::optional<std::string> text = ReadWholeFile(file);
  if (!text) {
    return std::nullopt;
  }
  try {
    auto j = nlohmann::json::parse(*text);
    ReservedNames names;
    names.reserved = j.at("reserved").get<std::set<std::string>>();
    names.sanitizer_interface = j.at("sanitizer_interface").get<std::set<std::string>>();
    names.scopes = j.at("scopes").get<std::set<std::string>>();
    return names;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

const ReservedNames& RuntimeReservedNames(const std::string& compiler, const fs::path& cache_dir) {
  static std::mutex mutex;
  static auto* const cache = new std::map<std::string, ReservedNames>();
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache->find(compiler);
  if (it != cache->end()) {
    return it->second;
  }
  const fs::path cache_file =
      cache_dir.empty() ? fs::path()
                        : cache_dir / "runtime-names" / (RuntimeNamesKey(compiler) + ".json");
  if (!cache_file.empty()) {
    if (std::optional<ReservedNames> names = LoadRuntimeNames(cache_file)) {
      return cache->emplace(compiler, *std::move(names)).first->second;
    }
  }
  // The runtime libraries the compiler links with, and its sanitizer headers,
  // as the compiler itself finds them.
  SandboxSpec spec;
  spec.env = {{"PATH", "/usr/bin:/bin"}, {"LC_ALL", "C"}};
  spec.argv = {"/bin/sh", "-c",
               "cc=\"$1\"; echo \"include $($cc -print-file-name=include)\"; "
               "for lib in libc.so.6 libm.so.6 libstdc++.so libgcc_s.so.1 libasan.so "
               "libubsan.so libtsan.so liblsan.so; do "
               "f=$($cc -print-file-name=$lib); case $f in /*) [ -e \"$f\" ] && "
               "/usr/bin/nm -D \"$f\";; esac; done; true",
               "runtime-names", compiler};
  spec.limits.output_bytes = 64ULL << 20;
  spec.limits.wall_seconds = 120;
  spec.limits.cpu_seconds = 120;
  spec.limits.memory_bytes = 2ULL << 30;
  spec.limits.limit_address_space = false;
  RunResult result = RunSandboxed(spec);
  if (!result.ExitedCleanly()) {
    throw GraderFault("cannot list the runtime libraries' symbols with " + compiler + ": " +
                      result.detail + "\n" + result.stderr_data.substr(0, 2000));
  }
  std::string output = result.stdout_data;
  std::string first_line = output.substr(0, output.find('\n'));
  std::vector<std::string> headers;
  if (first_line.starts_with("include /")) {
    fs::path dir = fs::path(first_line.substr(8)) / "sanitizer";
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (entry.path().extension() == ".h") {
        headers.push_back(ReadWholeFile(entry.path()).value_or(""));
      }
    }
  }
  if (headers.empty()) {
    throw GraderFault("cannot find the compiler's sanitizer headers (include/sanitizer/*.h) for " +
                      compiler);
  }
  ReservedNames names = DeriveReservedNames(headers, output);
  if (!cache_file.empty()) {
    // Only root's (the cache dir's reference results are, too): a run must
    // not be able to make the next grade forget a reserved name.
    std::error_code ec;
    fs::create_directories(cache_file.parent_path(), ec);
    fs::permissions(cache_file.parent_path(), fs::perms(0700), ec);
    nlohmann::json j = {{"reserved", names.reserved},
                        {"sanitizer_interface", names.sanitizer_interface},
                        {"scopes", names.scopes}};
    fs::path tmp = cache_file;
    tmp += fmt::format(".tmp{}", getpid());
    std::ofstream(tmp) << j.dump() << "\n";
    fs::rename(tmp, cache_file, ec);
  }
  return cache->emplace(compiler, std::move(names)).first->second;
}

std::string TrimCompilerOutput(std::string_view log, size_t max_lines, size_t max_bytes) {
  std::string text(log);
  ReplaceAll(text, std::string(kSandboxSrcDir) + "/", "");
  ReplaceAll(text, std::string(kSandboxKitDir) + "/", "");
  ReplaceAll(text, std::string(kSandboxLibDir) + "/", "");
  ReplaceAll(text, std::string(kSandboxOutDir) + "/", "");
  ReplaceAll(text, std::string(kSandboxObjDir) + "/", "");
  std::istringstream in(text);
  std::string line, out;
  size_t lines = 0, total = 0;
  while (std::getline(in, line)) {
    ++total;
    if (lines < max_lines && out.size() + line.size() + 1 <= max_bytes) {
      out += line + "\n";
      ++lines;
    }
  }
  if (total > lines) {
    out += fmt::format("... ({} more lines not shown)\n", total - lines);
  }
  return out;
}

CompiledObjects CompileSubmission(const StagedKit& kit, const fs::path& source_root,
                                  const std::vector<std::string>& sources, const fs::path& out_dir,
                                  const BuildOptions& options) {
  const KitManifest& m = kit.manifest;
  CompiledObjects compiled;
  compiled.dir = out_dir;
  MakeSharedDir(out_dir, options.group, RunAccess::kWrite);
  MakeSharedDir(out_dir / "tmp", options.group, RunAccess::kWrite);
  MakeSharedDir(out_dir / "obj", options.group, RunAccess::kWrite);

  // One compiler run per file, `options.jobs` at a time; the errors shown are
  // those of the first broken file in the allow-list's order, as if compiled
  // one by one.
  struct FileCompile {
    std::string object;
    std::string log;
    std::string limit_message;
    bool ok = false;
  };
  std::vector<FileCompile> files(sources.size());
  std::vector<SandboxSpec> specs;
  for (size_t f = 0; f < sources.size(); ++f) {
    const std::string& source = sources[f];
    fs::path object = fs::path("obj") / source;
    object.replace_extension(".o");
    for (fs::path dir = object.parent_path(); !dir.empty() && dir != "obj";
         dir = dir.parent_path()) {
      MakeSharedDir(out_dir / dir, options.group, RunAccess::kWrite);
    }
    SandboxSpec spec = BaseSpec(options);
    spec.mounts = {{kit.HeaderRoot().string(), kSandboxKitDir, false},
                   {source_root.string(), kSandboxSrcDir, false},
                   {out_dir.string(), kSandboxOutDir, true}};
    spec.working_dir = kSandboxSrcDir;
    spec.argv.push_back(m.compiler);
    spec.argv.insert(spec.argv.end(), m.compile_flags.begin(), m.compile_flags.end());
    spec.argv.push_back("-fdiagnostics-color=never");
    for (const auto& d : m.defines) {
      spec.argv.push_back("-D" + d);
    }
    for (const auto& q : m.quote_includes) {
      spec.argv.insert(spec.argv.end(), {"-iquote", InSandbox(kSandboxKitDir, q)});
    }
    for (const auto& i : m.includes) {
      spec.argv.insert(spec.argv.end(), {"-I", InSandbox(kSandboxKitDir, i)});
    }
    for (const auto& s : m.system_includes) {
      spec.argv.insert(spec.argv.end(), {"-isystem", InSandbox(kSandboxKitDir, s)});
    }
    spec.argv.insert(spec.argv.end(),
                     {"-c", source, "-o", InSandbox(kSandboxOutDir, object.string())});
    files[f].object = object.string();
    specs.push_back(std::move(spec));
  }
  std::atomic<size_t> next{0};
  std::exception_ptr fault;
  std::mutex fault_mutex;
  auto worker = [&] {
    for (size_t f = next++; f < files.size(); f = next++) {
      try {
        files[f].ok = RunTool(specs[f], "compiler", files[f].log, files[f].limit_message);
      } catch (...) {
        std::lock_guard<std::mutex> lock(fault_mutex);
        fault = std::current_exception();
      }
    }
  };
  const int threads = std::max(1, std::min(options.jobs, static_cast<int>(files.size())));
  std::vector<std::thread> pool;
  pool.reserve(threads);
  for (int t = 1; t < threads; ++t) {
    pool.emplace_back(worker);
  }
  worker();
  for (auto& t : pool) {
    t.join();
  }
  if (fault) {
    std::rethrow_exception(fault);
  }
  for (size_t f = 0; f < files.size(); ++f) {
    compiled.log += files[f].log;
    if (files[f].ok) {
      compiled.objects.push_back(files[f].object);
      continue;
    }
    compiled.stage = kStageCompile;
    compiled.errors = files[f].limit_message.empty()
                          ? TrimCompilerOutput(files[f].log)
                          : fmt::format("{}: {}", sources[f], files[f].limit_message);
    if (compiled.errors.empty()) {
      compiled.errors = "the compiler failed without a message\n";
    }
    SealTree(out_dir, options.group);
    return compiled;
  }
  SealTree(out_dir, options.group);
  compiled.ok = true;
  CheckObjectRules(kit, options, compiled);
  return compiled;
}

namespace {

// What a kit's link inputs define (ParseKitDefinitions), from `nm` over them
// in a sandboxed run that may read them (as the linker's may). The inputs are
// the instructor's, so the result is kept: in memory, and beside the staged
// kit, readable only by its owner (it names hidden tests' symbols).
const std::map<std::string, bool>& KitDefinitions(const StagedKit& kit,
                                                  const BuildOptions& options) {
  static std::mutex mutex;
  static auto* const cache = new std::map<std::string, std::map<std::string, bool>>();
  std::lock_guard<std::mutex> lock(mutex);
  if (auto it = cache->find(kit.hash); it != cache->end()) {
    return it->second;
  }
  const fs::path cache_file = kit.dir / "link-definitions.json";
  if (std::optional<std::string> text = ReadWholeFile(cache_file)) {
    try {
      auto definitions = nlohmann::json::parse(*text).get<std::map<std::string, bool>>();
      return cache->emplace(kit.hash, std::move(definitions)).first->second;
    } catch (const std::exception&) {
      // rebuilt below
    }
  }
  SandboxSpec spec = BaseSpec(options);
  spec.mounts = {{kit.LibRoot().string(), kSandboxLibDir, false}};
  spec.working_dir = kSandboxLibDir;
  if (options.group) {
    spec.extra_group = SandboxIds().KitGid();
  }
  spec.argv = {"/usr/bin/nm", "-A", "-g", "--defined-only"};
  for (const auto& input : kit.manifest.link_inputs) {
    spec.argv.push_back(InSandbox(kSandboxLibDir, input.path));
  }
  spec.limits.output_bytes = 64ULL << 20;
  spec.limits.wall_seconds = 120;
  spec.limits.cpu_seconds = 120;
  RunResult result = RunSandboxed(spec);
  if (!result.ExitedCleanly()) {
    throw GraderFault(fmt::format("cannot list what the kit's link inputs define ({}): {}\n{}",
                                  kit.dir.string(), DescribeOutcome(result, spec.limits),
                                  result.stderr_data.substr(0, 2000)));
  }
  std::map<std::string, bool> definitions = ParseKitDefinitions(result.stdout_data);
  std::error_code ec;
  fs::path tmp = cache_file;
  tmp += fmt::format(".tmp{}", getpid());
  {
    std::ofstream out(tmp);
    fs::permissions(tmp, fs::perms(0600), ec);
    out << nlohmann::json(definitions).dump() << "\n";
  }
  fs::rename(tmp, cache_file, ec);
  if (ec) {
    fs::remove(tmp, ec);
  }
  return cache->emplace(kit.hash, std::move(definitions)).first->second;
}

}  // namespace

BuildResult LinkTestBinary(const StagedKit& kit, const CompiledObjects& objects,
                           const fs::path& out_dir, const BuildOptions& options) {
  const KitManifest& m = kit.manifest;
  BuildResult build;
  build.log = objects.log;
  if (!objects.ok) {
    build.stage = objects.stage;
    build.errors = objects.errors;
    build.rule = objects.rule;
    return build;
  }
  if (std::optional<RuleViolation> v =
          CheckAgainstKit(objects.definitions, KitDefinitions(kit, options))) {
    build.stage = kStageRules;
    build.rule = v->rule;
    build.errors = fmt::format("{}: {}\n", v->file.empty() ? "a student file" : v->file, v->rule);
    build.log +=
        "rejected by the object rules: " + build.errors + "evidence: " + v->evidence + "\n";
    return build;
  }
  MakeSharedDir(out_dir, options.group, RunAccess::kWrite);
  MakeSharedDir(out_dir / "tmp", options.group, RunAccess::kWrite);
  SandboxSpec spec = BaseSpec(options);
  spec.mounts = {{kit.LibRoot().string(), kSandboxLibDir, false},
                 {objects.dir.string(), kSandboxObjDir, false},
                 {out_dir.string(), kSandboxOutDir, true}};
  spec.working_dir = kSandboxOutDir;
  if (options.group) {
    spec.extra_group = SandboxIds().KitGid();  // may read the link inputs
  }
  spec.argv = {m.linker, "-o", InSandbox(kSandboxOutDir, "test_binary")};
  for (const auto& input : m.link_inputs) {
    if (!input.whole_archive) {
      continue;
    }
    spec.argv.insert(spec.argv.end(), {"-Wl,--whole-archive", InSandbox(kSandboxLibDir, input.path),
                                       "-Wl,--no-whole-archive"});
  }
  for (const auto& object : objects.objects) {
    spec.argv.push_back(InSandbox(kSandboxObjDir, object));
  }
  for (const auto& input : m.link_inputs) {
    if (!input.whole_archive) {
      spec.argv.push_back(InSandbox(kSandboxLibDir, input.path));
    }
  }
  spec.argv.insert(spec.argv.end(), m.link_flags.begin(), m.link_flags.end());
  std::string limit_message;
  bool linked = RunTool(spec, "linker", build.log, limit_message);
  SealTree(out_dir, options.group);
  if (!linked) {
    build.stage = kStageLink;
    build.errors = limit_message.empty() ? TrimCompilerOutput(build.log) : limit_message;
    if (build.errors.empty()) {
      build.errors = "the linker failed without a message\n";
    }
    return build;
  }
  build.ok = true;
  build.binary = out_dir / "test_binary";
  return build;
}

BuildResult BuildTestBinary(const StagedKit& kit, const fs::path& source_root,
                            const std::vector<std::string>& sources, const fs::path& out_dir,
                            const BuildOptions& options) {
  CompiledObjects objects = CompileSubmission(kit, source_root, sources, out_dir, options);
  return LinkTestBinary(kit, objects, out_dir, options);
}

}  // namespace labkit::grader
