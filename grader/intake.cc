// grader/intake.cc: take in a student upload (see intake.h for the design).
//
// The upload is read completely into memory first (it is small: the total is
// capped by IntakeOptions::max_total_bytes), as a list of UploadFile. Only
// then are files matched against the allow-list and written, so a rejection
// found anywhere in the upload leaves dest untouched. Internally a rejection
// is an exception (Rejection) carrying the message for the student; the public
// function turns it into IntakeResult::error.
#include "grader/intake.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <system_error>

namespace labkit::grader {
namespace {

namespace fs = std::filesystem;

class Rejection : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One regular file of the upload.
struct UploadFile {
  std::string path;        // '/'-separated, relative, no '.' or '..' components
  std::string content;     // at most max_file_bytes + 1 bytes, and only for candidates
  std::uint64_t size = 0;  // real size (bytes actually read)
};

std::string FormatSize(std::uint64_t bytes) {
  char text[64];
  if (bytes >= (1ULL << 20)) {
    std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  } else if (bytes >= 1024) {
    std::snprintf(text, sizeof text, "%.1f KiB", static_cast<double>(bytes) / 1024);
  } else {
    std::snprintf(text, sizeof text, "%llu bytes", static_cast<unsigned long long>(bytes));
  }
  return text;
}

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> parts;
  std::string part;
  for (char c : path) {
    if (c == '/') {
      if (!part.empty()) {
        parts.push_back(std::move(part));
      }
      part.clear();
    } else {
      part += c;
    }
  }
  if (!part.empty()) {
    parts.push_back(std::move(part));
  }
  return parts;
}

std::string JoinPath(const std::vector<std::string>& parts) {
  std::string path;
  for (const std::string& part : parts) {
    if (!path.empty()) {
      path += '/';
    }
    path += part;
  }
  return path;
}

// Checks an entry name from the upload and returns it normalised ('/'
// separators, no empty or '.' components). Backslashes count as separators so
// that "..\\x" from Windows zip tools is caught too.
std::string SafeEntryPath(std::string name) {
  std::replace(name.begin(), name.end(), '\\', '/');
  if (name.empty()) {
    throw Rejection("the upload contains an entry with an empty name");
  }
  if (name[0] == '/' || (name.size() >= 2 && name[1] == ':')) {
    throw Rejection("the upload contains an absolute path (" + name +
                    "); zip the files with relative paths");
  }
  std::vector<std::string> parts;
  for (std::string& part : SplitPath(name)) {
    if (part == "..") {
      throw Rejection("the upload contains a path with '..' (" + name +
                      "); zip the files with plain relative paths");
    }
    if (part != ".") {
      parts.push_back(std::move(part));
    }
  }
  if (parts.empty()) {
    throw Rejection("the upload contains an entry with an empty name");
  }
  return JoinPath(parts);
}

// macOS metadata: listed as ignored, never matched.
bool IsMetadataJunk(const std::string& path) {
  for (const std::string& part : SplitPath(path)) {
    if (part == "__MACOSX" || part == ".DS_Store" || part.starts_with("._")) {
      return true;
    }
  }
  return false;
}

std::string Basename(const std::string& path) {
  std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Only files whose basename is allow-listed keep their content in memory.
class CandidateFilter {
 public:
  explicit CandidateFilter(const std::vector<std::string>& allow_list) {
    for (const std::string& path : allow_list) {
      basenames_.push_back(Basename(path));
    }
  }
  bool IsCandidate(const std::string& path) const {
    if (IsMetadataJunk(path)) {
      return false;
    }
    return std::find(basenames_.begin(), basenames_.end(), Basename(path)) != basenames_.end();
  }

 private:
  std::vector<std::string> basenames_;
};

// Counts every byte read from the upload against the caps.
class ByteBudget {
 public:
  ByteBudget(const IntakeOptions& options, std::uint64_t archive_size)
      : options_(options), archive_size_(archive_size) {}

  void CountEntry() {
    if (++entries_ > options_.max_entries) {
      throw Rejection("the upload has more than " + std::to_string(options_.max_entries) +
                      " entries; upload only your source files");
    }
  }

  void CountBytes(std::uint64_t bytes) {
    total_ += bytes;
    if (total_ > options_.max_total_bytes) {
      throw Rejection("the upload holds more than " + FormatSize(options_.max_total_bytes) +
                      " of data once unpacked (a zip bomb?); upload only your source files");
    }
    if (archive_size_ > 0 && total_ > (1ULL << 20) &&
        static_cast<double>(total_) >
            options_.max_compression_ratio * static_cast<double>(archive_size_)) {
      throw Rejection("the zip unpacks to more than " +
                      std::to_string(static_cast<int>(options_.max_compression_ratio)) +
                      " times its size (a zip bomb?); upload only your source files");
    }
  }

 private:
  const IntakeOptions& options_;
  std::uint64_t archive_size_;  // 0 for directory uploads
  std::uint64_t entries_ = 0;
  std::uint64_t total_ = 0;
};

// Appends to file.content up to the per-file cap plus one byte (so an
// oversized file is recognisable) and counts the real size.
void TakeBytes(UploadFile& file, const char* data, std::size_t size, bool keep,
               std::uint64_t max_file_bytes, ByteBudget& budget) {
  budget.CountBytes(size);
  file.size += size;
  if (!keep) {
    return;
  }
  std::uint64_t room =
      max_file_bytes + 1 > file.content.size() ? max_file_bytes + 1 - file.content.size() : 0;
  file.content.append(data, std::min<std::uint64_t>(room, size));
}

// ---------------------------------------------------------------------------
// Zip uploads.

bool LooksLikeZip(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  if (!in.read(magic, 4)) {
    return false;
  }
  return magic[0] == 'P' && magic[1] == 'K' &&
         ((magic[2] == 3 && magic[3] == 4) || (magic[2] == 5 && magic[3] == 6) ||
          (magic[2] == 7 && magic[3] == 8));
}

// A complete zip ends with an end-of-central-directory record (at most 64 KiB
// of comment after it). A truncated upload does not: refuse it before libarchive
// falls back to streaming whatever local headers survived.
bool HasEndOfCentralDirectory(const fs::path& path, std::uint64_t size) {
  const std::uint64_t tail = std::min<std::uint64_t>(size, 65536 + 22);
  std::ifstream in(path, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(size - tail));
  std::string bytes(tail, '\0');
  if (!in.read(bytes.data(), static_cast<std::streamsize>(tail))) {
    return false;
  }
  return bytes.rfind(std::string("PK\x05\x06", 4)) != std::string::npos;
}

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};

std::string ArchiveError(archive* a) {
  const char* message = archive_error_string(a);
  return message != nullptr ? message : "unknown error";
}

std::string EntryTypeName(mode_t type) {
  switch (type) {
    case AE_IFLNK:
      return "a symbolic link";
    case AE_IFCHR:
      return "a character device";
    case AE_IFBLK:
      return "a block device";
    case AE_IFIFO:
      return "a FIFO";
    case AE_IFSOCK:
      return "a socket";
  }
  return "a special file";
}

std::vector<UploadFile> ReadZip(const fs::path& zip, const CandidateFilter& candidates,
                                const IntakeOptions& options) {
  std::error_code ec;
  const std::uint64_t size = fs::file_size(zip, ec);
  if (ec) {
    throw Rejection("cannot read the upload " + zip.string() + ": " + ec.message());
  }
  if (!HasEndOfCentralDirectory(zip, size)) {
    throw Rejection(
        "the zip file is truncated or corrupt (no central directory); zip the "
        "files again and re-upload");
  }
  std::unique_ptr<archive, ArchiveDeleter> reader(archive_read_new());
  archive* a = reader.get();
  archive_read_support_format_zip(a);
  if (archive_read_open_filename(a, zip.c_str(), 65536) != ARCHIVE_OK) {
    throw Rejection("the upload is not a readable zip file (" + ArchiveError(a) + ")");
  }
  ByteBudget budget(options, size);
  std::vector<UploadFile> files;
  archive_entry* entry;
  while (true) {
    int status = archive_read_next_header(a, &entry);
    if (status == ARCHIVE_EOF) {
      break;
    }
    if (status != ARCHIVE_OK && status != ARCHIVE_WARN) {
      throw Rejection("the zip file is corrupt (" + ArchiveError(a) + "); zip the files again");
    }
    budget.CountEntry();
    const char* raw_name = archive_entry_pathname(entry);
    const std::string path = SafeEntryPath(raw_name != nullptr ? raw_name : "");
    if (archive_entry_is_encrypted(entry)) {
      throw Rejection("the zip entry " + path + " is encrypted; upload it without a password");
    }
    if (archive_entry_hardlink(entry) != nullptr) {
      throw Rejection("the upload contains a hard link (" + path + "); upload regular files only");
    }
    const mode_t type = archive_entry_filetype(entry);
    if (type == AE_IFDIR) {
      continue;
    }
    if (type != AE_IFREG) {
      const char* target = archive_entry_symlink(entry);
      throw Rejection("the upload contains " + EntryTypeName(type) + " (" + path +
                      (target != nullptr ? std::string(" -> ") + target : "") +
                      "); upload regular files only");
    }
    UploadFile file;
    file.path = path;
    const bool keep = candidates.IsCandidate(path);
    char buffer[65536];
    while (true) {
      la_ssize_t n = archive_read_data(a, buffer, sizeof buffer);
      if (n == 0) {
        break;
      }
      if (n < 0) {
        throw Rejection("the zip entry " + path + " cannot be read (" + ArchiveError(a) +
                        "); zip the files again");
      }
      TakeBytes(file, buffer, static_cast<std::size_t>(n), keep, options.max_file_bytes, budget);
    }
    files.push_back(std::move(file));
  }
  return files;
}

// ---------------------------------------------------------------------------
// Directory uploads: lstat only, open with O_NOFOLLOW, never follow a link.

void ReadRegularFile(int dir_fd, const std::string& name, UploadFile& file, bool keep,
                     const IntakeOptions& options, ByteBudget& budget) {
  int fd = openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    throw Rejection("cannot read " + file.path + " in the upload: " + std::strerror(errno));
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    throw Rejection(file.path + " in the upload is not a regular file; upload regular files only");
  }
  char buffer[65536];
  while (true) {
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n == 0) {
      break;
    }
    if (n < 0) {
      int error = errno;
      close(fd);
      throw Rejection("cannot read " + file.path + " in the upload: " + std::strerror(error));
    }
    try {
      TakeBytes(file, buffer, static_cast<std::size_t>(n), keep, options.max_file_bytes, budget);
    } catch (...) {
      close(fd);
      throw;
    }
  }
  close(fd);
}

void ReadDirectoryInto(int dir_fd, const std::string& prefix, int depth,
                       const CandidateFilter& candidates, const IntakeOptions& options,
                       ByteBudget& budget, std::vector<UploadFile>& files) {
  if (depth > 64) {
    throw Rejection("the upload's directories are nested too deeply");
  }
  DIR* dir = fdopendir(dir_fd);
  if (dir == nullptr) {
    close(dir_fd);
    throw Rejection("cannot list " + (prefix.empty() ? "the upload" : prefix) + ": " +
                    std::strerror(errno));
  }
  std::unique_ptr<DIR, int (*)(DIR*)> closer(dir, closedir);
  std::vector<std::string> names;
  while (struct dirent* entry = readdir(dir)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") {
      names.push_back(std::move(name));
    }
  }
  std::sort(names.begin(), names.end());  // deterministic results
  for (const std::string& name : names) {
    budget.CountEntry();
    const std::string path = prefix.empty() ? name : prefix + "/" + name;
    struct stat st;
    if (fstatat(dirfd(dir), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      throw Rejection("cannot read " + path + " in the upload: " + std::strerror(errno));
    }
    if (S_ISDIR(st.st_mode)) {
      int child = openat(dirfd(dir), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (child < 0) {
        throw Rejection("cannot read " + path + " in the upload: " + std::strerror(errno));
      }
      ReadDirectoryInto(child, path, depth + 1, candidates, options, budget, files);
    } else if (S_ISLNK(st.st_mode)) {
      throw Rejection("the upload contains a symbolic link (" + path +
                      "); upload regular files only");
    } else if (!S_ISREG(st.st_mode)) {
      throw Rejection("the upload contains " + path +
                      ", which is not a regular file; upload regular files only");
    } else if (st.st_nlink > 1) {
      throw Rejection("the upload contains a hard link (" + path + "); upload regular files only");
    } else {
      UploadFile file;
      file.path = path;
      ReadRegularFile(dirfd(dir), name, file, candidates.IsCandidate(path), options, budget);
      files.push_back(std::move(file));
    }
  }
}

std::vector<UploadFile> ReadDirectory(const fs::path& root, const CandidateFilter& candidates,
                                      const IntakeOptions& options) {
  int fd = open(root.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    throw Rejection("cannot read the upload directory " + root.string() + ": " +
                    std::strerror(errno));
  }
  ByteBudget budget(options, /*archive_size=*/0);
  std::vector<UploadFile> files;
  ReadDirectoryInto(fd, "", 0, candidates, options, budget, files);
  return files;
}

std::vector<UploadFile> ReadUpload(const fs::path& upload, const CandidateFilter& candidates,
                                   const IntakeOptions& options) {
  struct stat st;
  if (lstat(upload.c_str(), &st) != 0) {
    throw Rejection("cannot read the upload " + upload.string() + ": " + std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) {
    return ReadDirectory(upload, candidates, options);
  }
  if (!S_ISREG(st.st_mode)) {
    throw Rejection("the upload " + upload.string() + " is neither a directory nor a zip file");
  }
  if (access(upload.c_str(), R_OK) != 0) {
    throw Rejection("cannot read the upload " + upload.string() + ": " + std::strerror(errno));
  }
  if (!LooksLikeZip(upload)) {
    throw Rejection("the upload " + upload.filename().string() +
                    " is not a zip file; upload a .zip or the source files themselves");
  }
  return ReadZip(upload, candidates, options);
}

// ---------------------------------------------------------------------------
// Matching.

// How many trailing path components of `file` equal those of `wanted`.
std::size_t MatchingSuffixLength(const std::vector<std::string>& file,
                                 const std::vector<std::string>& wanted) {
  std::size_t n = 0;
  while (n < file.size() && n < wanted.size() &&
         file[file.size() - 1 - n] == wanted[wanted.size() - 1 - n]) {
    ++n;
  }
  return n;
}

// The index of the best upload file for `lab_path`, or nullopt if none.
std::optional<std::size_t> ChooseFile(const std::string& lab_path,
                                      const std::vector<UploadFile>& files) {
  const std::vector<std::string> wanted = SplitPath(lab_path);
  std::optional<std::size_t> best;
  std::size_t best_length = 0;
  std::optional<std::size_t> tie;
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (IsMetadataJunk(files[i].path)) {
      continue;
    }
    std::size_t length = MatchingSuffixLength(SplitPath(files[i].path), wanted);
    if (length == 0) {
      continue;
    }
    if (length > best_length) {
      best = i;
      best_length = length;
      tie.reset();
    } else if (length == best_length) {
      tie = i;
    }
  }
  if (tie) {
    throw Rejection("the upload has two files that could be " + lab_path + ": " +
                    files[*best].path + " and " + files[*tie].path + "; keep only one");
  }
  return best;
}

void CheckChosenFile(const std::string& lab_path, const UploadFile& file,
                     const IntakeOptions& options) {
  if (file.size > options.max_file_bytes) {
    throw Rejection(lab_path + " is " + FormatSize(file.size) + "; the limit is " +
                    FormatSize(options.max_file_bytes));
  }
  if (file.content.find('\0') != std::string::npos) {
    throw Rejection(lab_path + " is not a text file (it contains NUL bytes)");
  }
}

void CheckAllowList(const std::vector<std::string>& allow_list) {
  for (const std::string& path : allow_list) {
    std::vector<std::string> parts = SplitPath(path);
    bool bad = path.empty() || path[0] == '/' || parts.empty() ||
               std::any_of(parts.begin(), parts.end(),
                           [](const std::string& p) { return p == ".." || p == "."; });
    if (bad) {
      throw Rejection("internal error: bad allow-list entry '" + path + "'");
    }
  }
}

// dest must be new or empty: a rejection then leaves it empty.
void PrepareDestination(const fs::path& dest) {
  std::error_code ec;
  if (fs::exists(fs::symlink_status(dest, ec))) {
    if (!fs::is_directory(fs::symlink_status(dest, ec)) || !fs::is_empty(dest, ec)) {
      throw Rejection("internal error: intake destination " + dest.string() +
                      " is not an empty directory");
    }
  }
}

void EmptyDirectory(const fs::path& dest) {
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(dest, ec)) {
    fs::remove_all(entry.path(), ec);
  }
}

void WriteFile(const fs::path& dest, const std::string& lab_path, const std::string& content) {
  const fs::path target = dest / lab_path;
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) {
    throw Rejection("internal error: cannot create " + target.parent_path().string());
  }
  // Directories below dest: 0755, so the sandbox uid can traverse them.
  fs::path dir = dest;
  const std::vector<std::string> parts = SplitPath(lab_path);
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    dir /= parts[i];
    chmod(dir.c_str(), 0755);
  }
  int fd = open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw Rejection("internal error: cannot create " + target.string());
  }
  std::size_t written = 0;
  while (written < content.size()) {
    ssize_t n = write(fd, content.data() + written, content.size() - written);
    if (n <= 0) {
      close(fd);
      throw Rejection("internal error: cannot write " + target.string());
    }
    written += static_cast<std::size_t>(n);
  }
  fchmod(fd, 0644);  // regardless of the umask
  close(fd);
}

IntakeResult Intake(const fs::path& upload, const std::vector<std::string>& allow_list,
                    const fs::path& dest, const IntakeOptions& options) {
  CheckAllowList(allow_list);
  PrepareDestination(dest);
  const std::vector<UploadFile> files = ReadUpload(upload, CandidateFilter(allow_list), options);

  IntakeResult result;
  std::vector<bool> used(files.size(), false);
  std::vector<std::pair<std::string, std::size_t>> chosen;
  for (const std::string& lab_path : allow_list) {
    std::optional<std::size_t> index = ChooseFile(lab_path, files);
    if (!index) {
      result.missing.push_back(lab_path);
      continue;
    }
    CheckChosenFile(lab_path, files[*index], options);
    used[*index] = true;
    chosen.emplace_back(lab_path, *index);
  }
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (!used[i]) {
      result.ignored.push_back(files[i].path);
    }
  }

  std::error_code ec;
  fs::create_directories(dest, ec);
  if (ec) {
    throw Rejection("internal error: cannot create " + dest.string() + ": " + ec.message());
  }
  chmod(dest.c_str(), 0755);
  try {
    for (const auto& [lab_path, index] : chosen) {
      WriteFile(dest, lab_path, files[index].content);
      result.accepted.push_back({lab_path, files[index].path});
    }
  } catch (...) {
    EmptyDirectory(dest);
    throw;
  }
  result.ok = true;
  return result;
}

}  // namespace

IntakeResult IntakeSubmission(const fs::path& upload, const std::vector<std::string>& allow_list,
                              const fs::path& dest, const IntakeOptions& options) {
  try {
    return Intake(upload, allow_list, dest, options);
  } catch (const Rejection& rejection) {
    IntakeResult result;
    result.error = rejection.what();
    return result;
  } catch (const std::exception& error) {
    IntakeResult result;
    result.error = std::string("internal error while reading the upload: ") + error.what();
    return result;
  }
}

}  // namespace labkit::grader
