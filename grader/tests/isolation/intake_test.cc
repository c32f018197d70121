// Tests of grader/intake.h. Zips are built at test time with libarchive's
// write support, including the hostile ones (links, `..`, absolute paths, a
// zip bomb, encrypted and truncated zips).
#include "grader/intake.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace labkit::grader {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kAllowList = {"student/frame_stack.cc",
                                             "student/frame_stack_util.cc"};
const std::string kSource = "int Answer() { return 42; }\n";

struct ZipEntry {
  enum Kind { kFile, kDirectory, kSymlink, kHardlink };
  ZipEntry(std::string name, std::string content, Kind kind = kFile, std::string link_target = "",
           std::size_t zeros = 0)
      : name(std::move(name)),
        content(std::move(content)),
        kind(kind),
        link_target(std::move(link_target)),
        zeros(zeros) {}

  std::string name;
  std::string content;
  Kind kind;
  std::string link_target;
  std::size_t zeros;  // appended zero bytes (written in chunks, for bombs)
};

struct ZipOptions {
  const char* passphrase = nullptr;
};

// Writes a zip with libarchive; returns false if libarchive refuses (e.g. no
// encryption support in this build).
bool WriteZip(const fs::path& path, const std::vector<ZipEntry>& entries,
              const ZipOptions& options = {}) {
  archive* a = archive_write_new();
  archive_write_set_format_zip(a);
  if (options.passphrase != nullptr) {
    if (archive_write_set_options(a, "zip:encryption=zipcrypt") != ARCHIVE_OK ||
        archive_write_set_passphrase(a, options.passphrase) != ARCHIVE_OK) {
      archive_write_free(a);
      return false;
    }
  }
  if (archive_write_open_filename(a, path.c_str()) != ARCHIVE_OK) {
    archive_write_free(a);
    return false;
  }
  bool ok = true;
  for (const ZipEntry& e : entries) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, e.name.c_str());
    switch (e.kind) {
      case ZipEntry::kFile:
        archive_entry_set_filetype(entry, AE_IFREG);
        archive_entry_set_perm(entry, 0644);
        archive_entry_set_size(entry, static_cast<la_int64_t>(e.content.size() + e.zeros));
        break;
      case ZipEntry::kDirectory:
        archive_entry_set_filetype(entry, AE_IFDIR);
        archive_entry_set_perm(entry, 0755);
        break;
      case ZipEntry::kSymlink:
        archive_entry_set_filetype(entry, AE_IFLNK);
        archive_entry_set_perm(entry, 0777);
        archive_entry_set_symlink(entry, e.link_target.c_str());
        break;
      case ZipEntry::kHardlink:
        archive_entry_set_filetype(entry, AE_IFREG);
        archive_entry_set_hardlink(entry, e.link_target.c_str());
        break;
    }
    ok = ok && archive_write_header(a, entry) == ARCHIVE_OK;
    if (e.kind == ZipEntry::kFile) {
      if (!e.content.empty()) {
        ok = ok && archive_write_data(a, e.content.data(), e.content.size()) ==
                       static_cast<la_ssize_t>(e.content.size());
      }
      const std::string zeros(1 << 20, '\0');
      for (std::size_t left = e.zeros; left > 0;) {
        std::size_t n = std::min(left, zeros.size());
        ok = ok && archive_write_data(a, zeros.data(), n) == static_cast<la_ssize_t>(n);
        left -= n;
      }
    }
    archive_entry_free(entry);
  }
  ok = archive_write_close(a) == ARCHIVE_OK && ok;
  archive_write_free(a);
  return ok;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void WriteFile(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

class IntakeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    std::string pattern = std::string(tmp != nullptr ? tmp : "/tmp") + "/intake-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    dest_ = root_ / "dest";
  }
  void TearDown() override { fs::remove_all(root_); }

  IntakeResult IntakeZip(const std::vector<ZipEntry>& entries, const IntakeOptions& options = {}) {
    const fs::path zip = root_ / "upload.zip";
    EXPECT_TRUE(WriteZip(zip, entries));
    return IntakeSubmission(zip, kAllowList, dest_, options);
  }

  // On rejection nothing may be written.
  void ExpectRejected(const IntakeResult& result, const std::string& message_part) {
    EXPECT_FALSE(result.ok);
    EXPECT_NE(result.error.find(message_part), std::string::npos) << result.error;
    EXPECT_TRUE(!fs::exists(dest_) || fs::is_empty(dest_)) << "dest is not empty";
  }

  fs::path root_;
  fs::path dest_;
};

TEST_F(IntakeTest, NestedZipLayoutIsFound) {
  IntakeResult result = IntakeZip({
      {"handin/", "", ZipEntry::kDirectory},
      {"handin/labs/frames/student/frame_stack.cc", kSource},
      {"handin/labs/frames/README.md", "notes"},
      {"__MACOSX/handin/._frame_stack.cc", "junk"},
      {"handin/.DS_Store", "junk"},
  });
  ASSERT_TRUE(result.ok) << result.error;
  ASSERT_EQ(result.accepted.size(), 1u);
  EXPECT_EQ(result.accepted[0].lab_path, "student/frame_stack.cc");
  EXPECT_EQ(result.accepted[0].upload_path, "handin/labs/frames/student/frame_stack.cc");
  EXPECT_EQ(ReadFile(dest_ / "student/frame_stack.cc"), kSource);
  EXPECT_EQ(result.missing, std::vector<std::string>{"student/frame_stack_util.cc"});
  EXPECT_EQ(result.ignored.size(), 3u);
  // Only the allow-listed file was written.
  int files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dest_)) {
    files += entry.is_regular_file();
  }
  EXPECT_EQ(files, 1);
  EXPECT_EQ(fs::status(dest_ / "student/frame_stack.cc").permissions() & fs::perms::others_read,
            fs::perms::others_read);
}

TEST_F(IntakeTest, BareFilesAtTheRootAreFound) {
  IntakeResult result = IntakeZip({{"frame_stack.cc", kSource}, {"frame_stack_util.cc", "// u\n"}});
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.accepted.size(), 2u);
  EXPECT_TRUE(result.missing.empty());
  EXPECT_EQ(ReadFile(dest_ / "student/frame_stack_util.cc"), "// u\n");
}

TEST_F(IntakeTest, LongestSuffixWins) {
  IntakeResult result = IntakeZip({
      {"old/frame_stack.cc", "// old\n"},
      {"lab/student/frame_stack.cc", kSource},
  });
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(ReadFile(dest_ / "student/frame_stack.cc"), kSource);
  EXPECT_EQ(result.ignored, std::vector<std::string>{"old/frame_stack.cc"});
}

TEST_F(IntakeTest, AmbiguousCandidatesAreRejectedNamingBoth) {
  IntakeResult result = IntakeZip({
      {"a/frame_stack.cc", kSource},
      {"b/frame_stack.cc", kSource},
  });
  ExpectRejected(result, "a/frame_stack.cc");
  EXPECT_NE(result.error.find("b/frame_stack.cc"), std::string::npos) << result.error;
}

TEST_F(IntakeTest, DotDotEntryIsRejected) {
  ExpectRejected(IntakeZip({{"../../etc/frame_stack.cc", kSource}}), "'..'");
  ExpectRejected(IntakeZip({{"student/..\\..\\frame_stack.cc", kSource}}), "'..'");
}

TEST_F(IntakeTest, AbsoluteEntryIsRejected) {
  ExpectRejected(IntakeZip({{"/etc/frame_stack.cc", kSource}}), "absolute path");
}

TEST_F(IntakeTest, SymlinkEntryIsRejected) {
  ExpectRejected(IntakeZip({{"student/frame_stack.cc", "", ZipEntry::kSymlink, "/etc/passwd"}}),
                 "symbolic link");
}

TEST_F(IntakeTest, ZipBombIsRejected) {
  // 200 MB of zeros compress to about 200 KB.
  IntakeResult result =
      IntakeZip({{"frame_stack.cc", kSource}, {"bomb.bin", "", ZipEntry::kFile, "", 200u << 20}});
  ExpectRejected(result, "zip bomb");
}

TEST_F(IntakeTest, TotalSizeCapCountsRealBytes) {
  IntakeOptions options;
  options.max_total_bytes = 1 << 20;
  options.max_compression_ratio = 1e9;
  std::string big(600UL * 1024, 'x');
  ExpectRejected(IntakeZip({{"a.txt", big}, {"b.txt", big}}, options), "more than 1.0 MiB");
}

TEST_F(IntakeTest, TooManyEntriesAreRejected) {
  IntakeOptions options;
  options.max_entries = 10;
  std::vector<ZipEntry> entries;
  for (int i = 0; i < 20; ++i) {
    entries.push_back({"f" + std::to_string(i), "x"});
  }
  ExpectRejected(IntakeZip(entries, options), "more than 10 entries");
}

TEST_F(IntakeTest, TruncatedZipIsRejected) {
  const fs::path zip = root_ / "upload.zip";
  std::string noise;
  for (int i = 0; i < 20000; ++i) {
    noise += std::to_string(i * 7919 % 10007) + " ";
  }
  ASSERT_TRUE(WriteZip(zip, {{"student/frame_stack.cc", kSource + "// " + noise + "\n"}}));
  fs::resize_file(zip, fs::file_size(zip) / 2);
  ExpectRejected(IntakeSubmission(zip, kAllowList, dest_), "truncated");
}

TEST_F(IntakeTest, CorruptZipDataIsRejected) {
  const fs::path zip = root_ / "upload.zip";
  std::string noise;
  for (int i = 0; i < 20000; ++i) {
    noise += std::to_string(i * 7919 % 10007) + " ";
  }
  ASSERT_TRUE(WriteZip(zip, {{"student/frame_stack.cc", "// " + noise + "\n"}}));
  // Flip bytes in the middle of the compressed data; the central directory
  // at the end stays intact.
  std::fstream file(zip, std::ios::in | std::ios::out | std::ios::binary);
  file.seekp(static_cast<std::streamoff>(fs::file_size(zip) / 3));
  file.write("\xff\x00\xff\x00\xff\x00\xff\x00", 8);
  file.close();
  IntakeResult result = IntakeSubmission(zip, kAllowList, dest_);
  ExpectRejected(result, "zip");
}

TEST_F(IntakeTest, EncryptedEntryIsRejected) {
  const fs::path zip = root_ / "upload.zip";
  ZipOptions options;
  options.passphrase = "secret";
  if (!WriteZip(zip, {{"student/frame_stack.cc", kSource}}, options)) {
    GTEST_SKIP() << "this libarchive cannot write encrypted zips";
  }
  ExpectRejected(IntakeSubmission(zip, kAllowList, dest_), "encrypted");
}

TEST_F(IntakeTest, NonZipFileIsRejected) {
  WriteFile(root_ / "upload.zip", "this is not a zip\n");
  ExpectRejected(IntakeSubmission(root_ / "upload.zip", kAllowList, dest_), "not a zip file");
}

TEST_F(IntakeTest, MissingUploadIsRejected) {
  ExpectRejected(IntakeSubmission(root_ / "nothing-here", kAllowList, dest_), "cannot read");
}

TEST_F(IntakeTest, OversizeChosenFileIsRejected) {
  IntakeOptions options;
  options.max_file_bytes = 1000;
  ExpectRejected(IntakeZip({{"student/frame_stack.cc", std::string(5000, 'a')}}, options),
                 "student/frame_stack.cc is 4.9 KiB; the limit is 1000 bytes");
}

TEST_F(IntakeTest, OversizeIgnoredFileIsFine) {
  IntakeOptions options;
  options.max_file_bytes = 1000;
  IntakeResult result = IntakeZip(
      {{"student/frame_stack.cc", kSource}, {"notes.txt", std::string(5000, 'a')}}, options);
  EXPECT_TRUE(result.ok) << result.error;
}

TEST_F(IntakeTest, BinaryFileIsRejected) {
  ExpectRejected(IntakeZip({{"student/frame_stack.cc", std::string("int x;\0\1\2", 9)}}),
                 "student/frame_stack.cc is not a text file");
}

TEST_F(IntakeTest, NothingFoundIsNotAnError) {
  IntakeResult result = IntakeZip({{"readme.txt", "hi"}});
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.missing, kAllowList);
  EXPECT_EQ(result.ignored, std::vector<std::string>{"readme.txt"});
}

TEST_F(IntakeTest, DirectoryUploadIsTakenIn) {
  const fs::path upload = root_ / "upload";
  WriteFile(upload / "submission/student/frame_stack.cc", kSource);
  WriteFile(upload / "submission/student/notes.md", "notes");
  IntakeResult result = IntakeSubmission(upload, kAllowList, dest_);
  ASSERT_TRUE(result.ok) << result.error;
  ASSERT_EQ(result.accepted.size(), 1u);
  EXPECT_EQ(result.accepted[0].upload_path, "submission/student/frame_stack.cc");
  EXPECT_EQ(ReadFile(dest_ / "student/frame_stack.cc"), kSource);
  EXPECT_EQ(result.ignored, std::vector<std::string>{"submission/student/notes.md"});
}

TEST_F(IntakeTest, DirectoryUploadWithSymlinkIsRejected) {
  const fs::path upload = root_ / "upload";
  WriteFile(upload / "readme.txt", "hi");
  fs::create_directories(upload / "student");
  fs::create_symlink("/etc/passwd", upload / "student/frame_stack.cc");
  ExpectRejected(IntakeSubmission(upload, kAllowList, dest_), "symbolic link");
}

TEST_F(IntakeTest, DirectoryUploadWithFifoIsRejected) {
  const fs::path upload = root_ / "upload";
  fs::create_directories(upload);
  ASSERT_EQ(mkfifo((upload / "frame_stack.cc").c_str(), 0644), 0);
  ExpectRejected(IntakeSubmission(upload, kAllowList, dest_), "not a regular file");
}

TEST_F(IntakeTest, DirectoryUploadWithHardlinkIsRejected) {
  const fs::path upload = root_ / "upload";
  WriteFile(root_ / "secret.txt", "secret");
  fs::create_directories(upload);
  fs::create_hard_link(root_ / "secret.txt", upload / "frame_stack.cc");
  ExpectRejected(IntakeSubmission(upload, kAllowList, dest_), "hard link");
}

TEST_F(IntakeTest, NonEmptyDestinationIsRefused) {
  WriteFile(dest_ / "left-over.txt", "x");
  const fs::path zip = root_ / "upload.zip";
  ASSERT_TRUE(WriteZip(zip, {{"frame_stack.cc", kSource}}));
  IntakeResult result = IntakeSubmission(zip, kAllowList, dest_);
  EXPECT_FALSE(result.ok);
  EXPECT_NE(result.error.find("not an empty directory"), std::string::npos) << result.error;
}

TEST_F(IntakeTest, ZipDetectedByContentNotExtension) {
  const fs::path zip = root_ / "upload.bin";
  ASSERT_TRUE(WriteZip(zip, {{"frame_stack.cc", kSource}}));
  IntakeResult result = IntakeSubmission(zip, kAllowList, dest_);
  EXPECT_TRUE(result.ok) << result.error;
}

TEST_F(IntakeTest, ZipMadeByTheZipCommandWithSymlinkIsRejected) {
  if (std::system("command -v zip >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "no zip command";
  }
  const fs::path tree = root_ / "tree";
  fs::create_directories(tree / "student");
  fs::create_symlink("/etc/passwd", tree / "student/frame_stack.cc");
  const std::string command =
      "cd '" + tree.string() + "' && zip -q --symlinks -r ../made.zip student";
  ASSERT_EQ(std::system(command.c_str()), 0);
  ExpectRejected(IntakeSubmission(root_ / "made.zip", kAllowList, dest_), "symbolic link");
}

}  // namespace
}  // namespace labkit::grader
