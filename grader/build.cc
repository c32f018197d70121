// grader/build.cc: compiling and linking a submission in the sandbox.
//
// Design: a submission is compiled outside Bazel, with exactly the compiler,
// flags, defines and include directories the kit recorded, so it sees the same
// headers the reference was built against, in the same configuration (e.g. with
// sanitizers). The compiler runs in the sandbox because compiling untrusted code
// is itself untrusted (#include "/etc/shadow", template bombs, huge outputs), and
// it sees only what it needs: the kit's public headers, the scratch tree, and
// an output directory. Files are compiled one by one so that the first error
// shown is in the first broken file, and the output shown to the student has
// sandbox paths removed (`student/x.cc:3:1: error: ...`).
#include "grader/build.h"

#include <fmt/format.h>

#include <regex>
#include <sstream>

#include "grader/runner.h"
#include "grader/sandbox.h"

namespace labkit::grader {
namespace fs = std::filesystem;
namespace {

std::string InSandbox(const char* root, const std::string& relative) {
  if (relative.empty() || relative == ".") return root;
  return std::string(root) + "/" + relative;
}

void MakeWritableDir(const fs::path& dir) {
  fs::create_directories(dir);
  // The sandboxed compiler runs as an unprivileged uid.
  fs::permissions(dir, fs::perms::all);
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
  return spec;
}

// Runs one compiler/linker command; returns its output, and whether it succeeded.
bool RunTool(SandboxSpec spec, std::string& log) {
  RunResult result = RunSandboxed(spec);
  if (result.outcome == Outcome::kSetupFailed) {
    throw GraderFault("the sandbox could not run the compiler: " + result.detail +
                      " (check that bubblewrap is installed and the grader runs as root)");
  }
  log += result.stderr_data;
  log += result.stdout_data;
  if (result.ExitedCleanly()) return true;
  if (result.outcome != Outcome::kExited) {
    log += fmt::format("\n{}: {}\n", spec.argv.empty() ? "tool" : spec.argv[0],
                       DescribeOutcome(result, spec.limits));
    if (!result.detail.empty()) log += "(" + result.detail + ")\n";
  }
  return false;
}

std::string SourceOf(const std::string& object) {
  std::string name = object;
  if (name.starts_with(std::string(kSandboxOutDir) + "/")) {
    name = name.substr(std::string(kSandboxOutDir).size() + 1);
  }
  if (name.starts_with("obj/")) name = name.substr(4);
  if (name.ends_with(".o")) name = name.substr(0, name.size() - 2) + ".cc";
  return name;
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

std::optional<ForbiddenSymbol> FindForbiddenSymbol(std::string_view nm_output,
                                                   const std::vector<std::string>& patterns) {
  std::vector<std::regex> compiled;
  for (const auto& p : patterns) compiled.emplace_back(p, std::regex::ECMAScript);
  // "file:value type name": value is 16 hex digits (ELF64), or blank for undefined symbols.
  static const std::regex line_format(R"(^([^:]+):[0-9a-fA-F ]{16} (\S) (.+)$)");
  std::istringstream in{std::string(nm_output)};
  std::string line;
  std::smatch m;
  while (std::getline(in, line)) {
    if (!std::regex_match(line, m, line_format)) continue;
    std::string name = m[3];
    for (size_t i = 0; i < compiled.size(); ++i) {
      if (std::regex_search(name, compiled[i])) return ForbiddenSymbol{m[1], name, patterns[i]};
    }
  }
  return std::nullopt;
}

std::string TrimCompilerOutput(std::string_view log, size_t max_lines, size_t max_bytes) {
  std::string text(log);
  ReplaceAll(text, std::string(kSandboxSrcDir) + "/", "");
  ReplaceAll(text, std::string(kSandboxKitDir) + "/", "");
  ReplaceAll(text, std::string(kSandboxLibDir) + "/", "");
  ReplaceAll(text, std::string(kSandboxOutDir) + "/", "");
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
  if (total > lines) out += fmt::format("... ({} more lines not shown)\n", total - lines);
  return out;
}

BuildResult BuildTestBinary(const StagedKit& kit, const fs::path& source_root,
                            const std::vector<std::string>& sources, const fs::path& out_dir,
                            const BuildOptions& options) {
  const KitManifest& m = kit.manifest;
  BuildResult build;
  MakeWritableDir(out_dir);
  MakeWritableDir(out_dir / "tmp");
  MakeWritableDir(out_dir / "obj");

  std::vector<std::string> objects;
  for (const auto& source : sources) {
    fs::path object = fs::path("obj") / source;
    object.replace_extension(".o");
    MakeWritableDir(out_dir / object.parent_path());
    SandboxSpec spec = BaseSpec(options);
    spec.mounts = {{kit.HeaderRoot().string(), kSandboxKitDir, false},
                   {source_root.string(), kSandboxSrcDir, false},
                   {out_dir.string(), kSandboxOutDir, true}};
    spec.working_dir = kSandboxSrcDir;
    spec.argv.push_back(m.compiler);
    spec.argv.insert(spec.argv.end(), m.compile_flags.begin(), m.compile_flags.end());
    spec.argv.push_back("-fdiagnostics-color=never");
    for (const auto& d : m.defines) spec.argv.push_back("-D" + d);
    for (const auto& q : m.quote_includes) {
      spec.argv.insert(spec.argv.end(), {"-iquote", InSandbox(kSandboxKitDir, q)});
    }
    for (const auto& i : m.includes) {
      spec.argv.insert(spec.argv.end(), {"-I", InSandbox(kSandboxKitDir, i)});
    }
    for (const auto& s : m.system_includes) {
      spec.argv.insert(spec.argv.end(), {"-isystem", InSandbox(kSandboxKitDir, s)});
    }
    std::string sandbox_object = InSandbox(kSandboxOutDir, object.string());
    spec.argv.insert(spec.argv.end(), {"-c", source, "-o", sandbox_object});
    if (!RunTool(spec, build.log)) {
      build.stage = "compile";
      build.errors = TrimCompilerOutput(build.log);
      if (build.errors.empty()) build.errors = "the compiler failed without a message\n";
      return build;
    }
    objects.push_back(sandbox_object);
  }

  // The symbols the objects define and use (nm, in the sandbox: an object file made from
  // untrusted source is untrusted input too).
  {
    SandboxSpec spec = BaseSpec(options);
    spec.mounts = {{out_dir.string(), kSandboxOutDir, true}};
    spec.working_dir = kSandboxOutDir;
    spec.argv = {"/usr/bin/nm", "-C", "-A"};
    spec.argv.insert(spec.argv.end(), objects.begin(), objects.end());
    RunResult result = RunSandboxed(spec);
    if (result.outcome == Outcome::kSetupFailed) {
      throw GraderFault("the sandbox could not run nm: " + result.detail);
    }
    if (!result.ExitedCleanly()) {
      build.stage = "symbols";
      build.log += result.stderr_data;
      build.errors =
          "nm could not read the compiled objects:\n" + TrimCompilerOutput(result.stderr_data);
      return build;
    }
    std::vector<std::string> patterns = BuiltinForbiddenSymbols();
    patterns.insert(patterns.end(), options.forbidden_symbols.begin(),
                    options.forbidden_symbols.end());
    const std::string& listing = result.stdout_data;
    std::optional<ForbiddenSymbol> found;
    try {
      found = FindForbiddenSymbol(listing, patterns);
    } catch (const std::regex_error& e) {
      throw GraderFault(std::string("a forbidden_symbols pattern is not a valid regex: ") +
                        e.what());
    }
    if (found) {
      build.stage = "symbols";
      build.errors = fmt::format(
          "{}: uses or defines `{}`, which submissions may not (it matches the forbidden "
          "pattern {}): student code must not call the grader's harness, GoogleTest, or a "
          "lab's private reference.\n",
          found->file.empty() ? "a student file" : SourceOf(found->file), found->symbol,
          found->pattern);
      build.log += build.errors;
      return build;
    }
  }

  SandboxSpec spec = BaseSpec(options);
  spec.mounts = {{kit.LibRoot().string(), kSandboxLibDir, false},
                 {out_dir.string(), kSandboxOutDir, true}};
  spec.working_dir = kSandboxOutDir;
  spec.argv = {m.linker, "-o", InSandbox(kSandboxOutDir, "test_binary")};
  spec.argv.insert(spec.argv.end(), objects.begin(), objects.end());
  for (const auto& input : m.link_inputs) {
    std::string path = InSandbox(kSandboxLibDir, input.path);
    if (input.whole_archive) {
      spec.argv.insert(spec.argv.end(), {"-Wl,--whole-archive", path, "-Wl,--no-whole-archive"});
    } else {
      spec.argv.push_back(path);
    }
  }
  spec.argv.insert(spec.argv.end(), m.link_flags.begin(), m.link_flags.end());
  if (!RunTool(spec, build.log)) {
    build.stage = "link";
    build.errors = TrimCompilerOutput(build.log);
    if (build.errors.empty()) build.errors = "the linker failed without a message\n";
    return build;
  }
  build.ok = true;
  build.binary = out_dir / "test_binary";
  return build;
}

}  // namespace labkit::grader
