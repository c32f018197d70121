// grader/class_intake.cc: listing a class's submissions (see class_intake.h).
#include "grader/class_intake.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>

namespace labkit::grader {
namespace fs = std::filesystem;
namespace {

constexpr const char* kGradescopeMetadata = "submission_metadata.yml";

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};

std::string ArchiveError(archive* a) {
  const char* message = archive_error_string(a);
  return message != nullptr ? message : "unknown error";
}

bool IsZipFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  return in.read(magic, 4) && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4;
}

// macOS and editor debris at the top of a class folder: not submissions.
bool IsDebris(const std::string& name) {
  return name.empty() || name[0] == '.' || name == "__MACOSX" || name == "Thumbs.db" ||
         name == kGradescopeMetadata;
}

// A relative, '/'-separated entry path without '.', '..' or empty parts, or
// "" if the path is unsafe.
std::string SafeRelative(std::string name) {
  std::replace(name.begin(), name.end(), '\\', '/');
  if (name.empty() || name[0] == '/' || (name.size() >= 2 && name[1] == ':')) {
    return "";
  }
  std::string out, part;
  std::istringstream parts(name);
  while (std::getline(parts, part, '/')) {
    if (part.empty() || part == ".") {
      continue;
    }
    if (part == "..") {
      return "";
    }
    out += (out.empty() ? "" : "/") + part;
  }
  return out;
}

// Unpacks a class zip into `dest`. Regular files and directories only; each
// link or special file is left out and recorded (entry path -> why) so the
// submission holding it can be rejected as intake would.
std::string UnpackClassZip(const fs::path& zip, const fs::path& dest,
                           const ClassIntakeOptions& options,
                           std::map<std::string, std::string>& refused) {
  std::error_code ec;
  const std::uint64_t zip_size = fs::file_size(zip, ec);
  std::unique_ptr<archive, ArchiveDeleter> reader(archive_read_new());
  archive* a = reader.get();
  archive_read_support_format_zip(a);
  if (archive_read_open_filename(a, zip.c_str(), 65536) != ARCHIVE_OK) {
    return "not a readable zip file (" + ArchiveError(a) + ")";
  }
  std::uint64_t entries = 0, total = 0;
  archive_entry* entry;
  while (true) {
    int status = archive_read_next_header(a, &entry);
    if (status == ARCHIVE_EOF) {
      break;
    }
    if (status != ARCHIVE_OK && status != ARCHIVE_WARN) {
      return "the zip file is corrupt (" + ArchiveError(a) + ")";
    }
    if (++entries > options.max_entries) {
      return "the zip holds too many entries";
    }
    const char* raw = archive_entry_pathname(entry);
    std::string path = SafeRelative(raw != nullptr ? raw : "");
    if (path.empty()) {
      refused[raw != nullptr ? raw : ""] = "an absolute path or a path with '..'";
      continue;
    }
    const mode_t type = archive_entry_filetype(entry);
    if (type == AE_IFDIR) {
      fs::create_directories(dest / path, ec);
      continue;
    }
    if (type != AE_IFREG || archive_entry_hardlink(entry) != nullptr ||
        archive_entry_is_encrypted(entry)) {
      refused[path] = archive_entry_is_encrypted(entry) ? "an encrypted entry"
                      : type == AE_IFLNK                ? "a symbolic link"
                                                        : "a link or special file";
      // Its folders still exist: the submission holding it is listed (and refused).
      fs::create_directories((dest / path).parent_path(), ec);
      continue;
    }
    fs::create_directories((dest / path).parent_path(), ec);
    int fd =
        open((dest / path).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
      refused[path] = "a duplicate entry";
      continue;
    }
    char buffer[65536];
    while (true) {
      la_ssize_t n = archive_read_data(a, buffer, sizeof buffer);
      if (n == 0) {
        break;
      }
      if (n < 0) {
        close(fd);
        return "the zip entry " + path + " cannot be read (" + ArchiveError(a) + ")";
      }
      total += static_cast<std::uint64_t>(n);
      if (total > options.max_total_bytes ||
          (total > (64ULL << 20) &&
           static_cast<double>(total) >
               options.max_compression_ratio * static_cast<double>(zip_size))) {
        close(fd);
        return "the zip unpacks to too much data (a zip bomb?)";
      }
      if (write(fd, buffer, static_cast<size_t>(n)) != n) {
        close(fd);
        return "cannot unpack the zip into " + dest.string() + ": disk full?";
      }
    }
    close(fd);
  }
  return "";
}

// The folder of a Gradescope export: where submission_metadata.yml is, at
// the top or one folder down.
std::optional<fs::path> FindGradescopeExport(const fs::path& root) {
  std::error_code ec;
  if (fs::is_regular_file(root / kGradescopeMetadata, ec)) {
    return root;
  }
  std::vector<fs::path> found;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    if (entry.is_directory(ec) && !entry.is_symlink(ec) &&
        fs::is_regular_file(entry.path() / kGradescopeMetadata, ec)) {
      found.push_back(entry.path());
    }
  }
  if (found.size() == 1) {
    return found[0];
  }
  return std::nullopt;
}

// The class folder: the root itself, or its one folder when a zip wraps
// everything in a folder (as "Compress folder" does).
fs::path ClassFolder(const fs::path& root) {
  std::error_code ec;
  std::vector<fs::path> entries;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    if (!IsDebris(entry.path().filename().string())) {
      entries.push_back(entry.path());
    }
  }
  if (entries.size() == 1 && fs::is_directory(entries[0], ec) && !fs::is_symlink(entries[0], ec)) {
    // One folder of folders/zips is a wrapper; one folder of source files is
    // a class of one.
    bool holds_submissions = false;
    for (const auto& inner : fs::directory_iterator(entries[0], ec)) {
      const std::string name = inner.path().filename().string();
      if (IsDebris(name)) {
        continue;
      }
      holds_submissions = holds_submissions || inner.is_directory(ec) || name.ends_with(".zip");
    }
    if (holds_submissions) {
      return entries[0];
    }
  }
  return root;
}

void AssignDirNames(std::vector<ClassSubmission>& submissions) {
  std::sort(submissions.begin(), submissions.end(),
            [](const ClassSubmission& a, const ClassSubmission& b) { return a.id < b.id; });
  std::set<std::string> used;
  for (ClassSubmission& s : submissions) {
    std::string base = SafeDirName(s.id), name = base;
    for (int n = 2; !used.insert(name).second; ++n) {
      name = base + "~" + std::to_string(n);
    }
    s.dir_name = name;
  }
}

// The refusals recorded while unpacking that fall inside `top` (a
// submission's entry), as one rejection sentence.
std::string RejectionFor(const std::string& top,
                         const std::map<std::string, std::string>& refused) {
  for (const auto& [path, why] : refused) {
    if (path == top || path.starts_with(top + "/")) {
      std::string sentence = "the upload contains " + why;
      sentence += " (" + path + "); upload regular files only";
      return sentence;
    }
  }
  return "";
}

ClassIntake ListFolder(const fs::path& root, const fs::path& unpacked_root,
                       const std::map<std::string, std::string>& refused) {
  ClassIntake intake;
  intake.ok = true;
  std::error_code ec;
  std::string prefix;  // of `root` inside the unpacked zip, for matching `refused`
  if (!unpacked_root.empty()) {
    prefix = fs::relative(root, unpacked_root, ec).string();
    if (prefix == ".") {
      prefix.clear();
    }
  }
  auto top_of = [&](const std::string& name) {
    return prefix.empty() ? name : prefix + "/" + name;
  };

  if (std::optional<fs::path> exported = FindGradescopeExport(root)) {
    intake.kind = "gradescope export";
    std::ifstream in(*exported / kGradescopeMetadata);
    std::stringstream text;
    text << in.rdbuf();
    std::map<std::string, std::vector<Submitter>> metadata;
    try {
      metadata = ParseGradescopeMetadata(text.str());
    } catch (const std::exception& e) {
      return {false, std::string("cannot read ") + kGradescopeMetadata + ": " + e.what(), "", {}};
    }
    if (!unpacked_root.empty()) {
      prefix = fs::relative(*exported, unpacked_root, ec).string();
      if (prefix == ".") {
        prefix.clear();
      }
    }
    for (const auto& [folder, submitters] : metadata) {
      ClassSubmission s;
      std::string sids, emails, names;
      for (const Submitter& who : submitters) {
        auto add = [](std::string& list, const std::string& item) {
          if (!item.empty()) {
            list += (list.empty() ? "" : "+") + item;
          }
        };
        add(sids, who.sid);
        add(emails, who.email);
        add(names, who.name);
      }
      s.id = !sids.empty() ? sids : !emails.empty() ? emails : folder;
      s.name = names;
      s.email = emails;
      s.path = *exported / SafeRelative(folder);
      if (SafeRelative(folder).empty() || SafeRelative(folder).find('/') != std::string::npos) {
        s.rejection = "the export names an unsafe folder (" + folder + ")";
      } else if (!fs::exists(s.path, ec)) {
        s.rejection = "the export has no files for this submission (" + folder + ")";
      } else {
        s.rejection = RejectionFor(top_of(folder), refused);
      }
      intake.submissions.push_back(std::move(s));
    }
    AssignDirNames(intake.submissions);
    return intake;
  }

  intake.kind = unpacked_root.empty() ? "folder" : "zip";
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    const std::string name = entry.path().filename().string();
    if (IsDebris(name)) {
      continue;
    }
    ClassSubmission s;
    s.id = name.size() > 4 && name.ends_with(".zip") ? name.substr(0, name.size() - 4) : name;
    s.path = entry.path();
    s.rejection = RejectionFor(top_of(name), refused);
    intake.submissions.push_back(std::move(s));
  }
  if (ec) {
    return {false, "cannot list " + root.string() + ": " + ec.message(), "", {}};
  }
  AssignDirNames(intake.submissions);
  return intake;
}

}  // namespace

std::string SafeDirName(const std::string& id) {
  std::string out;
  for (char c : id) {
    bool keep = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' ||
                c == '@' || c == '+';
    out += keep ? c : '_';
  }
  if (out.size() > 120) {
    out.resize(120);
  }
  if (out.empty() || out[0] == '.') {
    out = "_" + out;
  }
  return out;
}

std::map<std::string, std::vector<Submitter>> ParseGradescopeMetadata(const std::string& yaml) {
  std::map<std::string, std::vector<Submitter>> result;
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    throw std::runtime_error(e.what());
  }
  if (!root.IsMap()) {
    throw std::runtime_error("expected a mapping of submission folders");
  }
  // Keys are Ruby symbols in Gradescope's export (":sid"); accept plain ones too.
  auto field = [](const YAML::Node& node, const char* key) -> YAML::Node {
    if (!node.IsMap()) {
      return YAML::Node();
    }
    if (YAML::Node value = node[std::string(":") + key]) {
      return value;
    }
    return node[key];
  };
  for (const auto& item : root) {
    std::string folder = item.first.as<std::string>("");
    std::vector<Submitter> submitters;
    if (YAML::Node list = field(item.second, "submitters"); list && list.IsSequence()) {
      for (const auto& who : list) {
        Submitter s;
        if (YAML::Node v = field(who, "sid"); v && v.IsScalar()) {
          s.sid = v.as<std::string>("");
        }
        if (YAML::Node v = field(who, "name"); v && v.IsScalar()) {
          s.name = v.as<std::string>("");
        }
        if (YAML::Node v = field(who, "email"); v && v.IsScalar()) {
          s.email = v.as<std::string>("");
        }
        submitters.push_back(std::move(s));
      }
    }
    result[folder] = std::move(submitters);
  }
  return result;
}

ClassIntake ListClassSubmissions(const fs::path& input, const fs::path& scratch,
                                 const ClassIntakeOptions& options) {
  std::error_code ec;
  struct stat st;
  if (lstat(input.c_str(), &st) != 0) {
    return {false, "no such file or folder: " + input.string(), "", {}};
  }
  if (S_ISDIR(st.st_mode)) {
    return ListFolder(ClassFolder(input), {}, {});
  }
  if (!S_ISREG(st.st_mode) || !IsZipFile(input)) {
    return {false, input.string() + " is neither a folder nor a zip file", "", {}};
  }
  fs::create_directories(scratch, ec);
  if (ec) {
    return {false, "cannot create " + scratch.string() + ": " + ec.message(), "", {}};
  }
  std::map<std::string, std::string> refused;
  if (std::string error = UnpackClassZip(input, scratch, options, refused); !error.empty()) {
    return {false, input.string() + ": " + error, "", {}};
  }
  return ListFolder(ClassFolder(scratch), scratch, refused);
}

}  // namespace labkit::grader
