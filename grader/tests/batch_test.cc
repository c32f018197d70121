// Unit tests of a class's intake and outputs: listing submissions (folders,
// zips, Gradescope exports), records, sharding, the gradebook, the report and
// merging. No grading here (batch_pipeline_test grades real submissions).
#include "grader/batch.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>

#include "grader/class_intake.h"
#include "grader/class_report.h"

namespace labkit::grader {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/labkit-batch-test-XXXXXX";
    path_ = mkdtemp(pattern);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void Write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << text;
}

std::string Read(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A zip of (path, content) entries; content "->target" makes a symlink.
void MakeZip(const fs::path& zip, const std::vector<std::pair<std::string, std::string>>& entries) {
  archive* a = archive_write_new();
  archive_write_set_format_zip(a);
  ASSERT_EQ(archive_write_open_filename(a, zip.c_str()), ARCHIVE_OK);
  for (const auto& [path, content] : entries) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, path.c_str());
    if (content.rfind("->", 0) == 0) {
      archive_entry_set_filetype(e, AE_IFLNK);
      archive_entry_set_symlink(e, content.substr(2).c_str());
      archive_entry_set_perm(e, 0777);
      archive_write_header(a, e);
    } else {
      archive_entry_set_filetype(e, AE_IFREG);
      archive_entry_set_perm(e, 0644);
      archive_entry_set_size(e, static_cast<la_int64_t>(content.size()));
      archive_write_header(a, e);
      archive_write_data(a, content.data(), content.size());
    }
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
}

std::vector<std::string> Ids(const ClassIntake& intake) {
  std::vector<std::string> ids;
  for (const auto& s : intake.submissions) ids.push_back(s.id);
  return ids;
}

TEST(ClassIntake, AFolderOfFoldersAndZips) {
  TempDir t;
  fs::path cls = t.path() / "class";
  Write(cls / "alice/student/toy.cc", "a");
  Write(cls / "bob.zip", "not really a zip");
  Write(cls / ".DS_Store", "junk");
  fs::create_directories(cls / "carol");
  ClassIntake intake = ListClassSubmissions(cls, t.path() / "scratch");
  ASSERT_TRUE(intake.ok) << intake.error;
  EXPECT_EQ(intake.kind, "folder");
  EXPECT_EQ(Ids(intake), (std::vector<std::string>{"alice", "bob", "carol"}));
  EXPECT_EQ(intake.submissions[1].path, cls / "bob.zip");
}

TEST(ClassIntake, AZipOfZipsWrappedInAFolder) {
  TempDir t;
  fs::path inner = t.path() / "inner.zip";
  MakeZip(inner, {{"student/toy.cc", "int x;"}});
  MakeZip(t.path() / "class.zip", {{"week3/alice.zip", Read(inner)},
                                   {"week3/bob/student/toy.cc", "int y;"},
                                   {"week3/eve/student/toy.cc", "->/etc/shadow"},
                                   {"week3/../escape.txt", "x"}});
  ClassIntake intake = ListClassSubmissions(t.path() / "class.zip", t.path() / "scratch");
  ASSERT_TRUE(intake.ok) << intake.error;
  EXPECT_EQ(intake.kind, "zip");
  EXPECT_EQ(Ids(intake), (std::vector<std::string>{"alice", "bob", "eve"}));
  EXPECT_TRUE(fs::is_regular_file(intake.submissions[0].path));  // a zip, graded as an upload
  EXPECT_EQ(intake.submissions[1].rejection, "");
  // The link was not unpacked; eve's submission is refused as grade would refuse it.
  EXPECT_NE(intake.submissions[2].rejection.find("a symbolic link (week3/eve/student/toy.cc)"),
            std::string::npos)
      << intake.submissions[2].rejection;
  EXPECT_FALSE(fs::exists(t.path() / "escape.txt"));
  EXPECT_FALSE(fs::exists(t.path() / "scratch/escape.txt"));
}

TEST(ClassIntake, AGradescopeExport) {
  TempDir t;
  const std::string metadata = R"(---
submission_1001:
  :submitters:
  - :name: Alice Doe
    :sid: '12345'
    :email: alice@example.edu
  :created_at: 2026-11-30 10:00:00.000000000 -08:00
  :score: 0.0
submission_1002:
  :submitters:
  - :name: Bob Roe
    :email: bob@example.edu
  - :name: Carol Poe
    :email: carol@example.edu
submission_1003:
  :submitters:
  - :name: No Files
    :sid: '777'
)";
  MakeZip(t.path() / "export.zip",
          {{"assignment_55_export/submission_metadata.yml", metadata},
           {"assignment_55_export/submission_1001/frame_stack.cc", "a"},
           {"assignment_55_export/submission_1002/lab/frame_stack.cc", "b"}});
  ClassIntake intake = ListClassSubmissions(t.path() / "export.zip", t.path() / "scratch");
  ASSERT_TRUE(intake.ok) << intake.error;
  EXPECT_EQ(intake.kind, "gradescope export");
  EXPECT_EQ(Ids(intake),
            (std::vector<std::string>{"12345", "777", "bob@example.edu+carol@example.edu"}));
  EXPECT_EQ(intake.submissions[0].name, "Alice Doe");
  EXPECT_EQ(intake.submissions[0].email, "alice@example.edu");
  EXPECT_EQ(intake.submissions[0].path.filename(), "submission_1001");
  EXPECT_NE(intake.submissions[1].rejection.find("no files"), std::string::npos);
}

TEST(ClassIntake, WhatCannotBeReadSaysWhy) {
  TempDir t;
  EXPECT_FALSE(ListClassSubmissions(t.path() / "missing", t.path() / "s").ok);
  Write(t.path() / "notes.txt", "hello");
  ClassIntake intake = ListClassSubmissions(t.path() / "notes.txt", t.path() / "s");
  EXPECT_FALSE(intake.ok);
  EXPECT_NE(intake.error.find("neither a folder nor a zip"), std::string::npos);
  Write(t.path() / "cut.zip", std::string("PK\x03\x04", 4) + "truncated");
  intake = ListClassSubmissions(t.path() / "cut.zip", t.path() / "s2");
  EXPECT_FALSE(intake.ok);
  EXPECT_NE(intake.error.find("cut.zip"), std::string::npos) << intake.error;
}

TEST(ClassIntake, SafeDirNames) {
  EXPECT_EQ(SafeDirName("alice@example.edu"), "alice@example.edu");
  EXPECT_EQ(SafeDirName("../etc"), "_.._etc");
  EXPECT_EQ(SafeDirName(".hidden"), "_.hidden");
  EXPECT_EQ(SafeDirName(""), "_");
  EXPECT_EQ(SafeDirName("a b/c"), "a_b_c");
  EXPECT_EQ(SafeDirName("<script>"), "_script_");
}

TEST(ClassIntake, DuplicateSafeNamesGetDistinctFolders) {
  TempDir t;
  Write(t.path() / "c/a b/x.cc", "");
  Write(t.path() / "c/a_b/x.cc", "");
  ClassIntake intake = ListClassSubmissions(t.path() / "c", t.path() / "s");
  ASSERT_EQ(intake.submissions.size(), 2u);
  EXPECT_NE(intake.submissions[0].dir_name, intake.submissions[1].dir_name);
}

TEST(Shards, EverySubmissionInExactlyOneShardEvenlyEnough) {
  std::vector<int> counts(4, 0);
  for (int i = 0; i < 4000; ++i) ++counts[ShardOf("student" + std::to_string(i), 4)];
  for (int c : counts) EXPECT_GT(c, 800) << "a shard got " << c << " of 4000";
  EXPECT_EQ(ShardOf("anything", 1), 0);
  EXPECT_EQ(ShardOf("alice", 4), ShardOf("alice", 4));
}

TEST(UploadHash, ChangesWithTheFilesAndOnlyThen) {
  TempDir t;
  Write(t.path() / "a/student/x.cc", "one");
  std::string before = UploadHash(t.path() / "a");
  EXPECT_EQ(UploadHash(t.path() / "a"), before);
  Write(t.path() / "a/student/x.cc", "two");
  EXPECT_NE(UploadHash(t.path() / "a"), before);
  Write(t.path() / "z.zip", "bytes");
  EXPECT_NE(UploadHash(t.path() / "z.zip"), UploadHash(t.path() / "a"));
}

SubmissionRecord Record(const std::string& id, double score, const std::string& status) {
  SubmissionRecord r;
  r.id = id;
  r.dir_name = SafeDirName(id);
  r.upload_hash = "h-" + id;
  r.grader_key = "key";
  r.score = score;
  r.status = status;
  r.items = {{"Add", score / 2}, {"Sum, with edges", score / 2}};
  r.tests = {{"public", "AddPublic.Small", "Add", score > 0, false, 0.1, score > 0 ? "" : "failed"},
             {"hidden", "SumHidden.Large", "Sum, with edges", score == 100, true, 0.2, ""}};
  r.seconds = score / 10;
  return r;
}

BatchInfo Info() {
  BatchInfo info;
  info.lab_id = "toylab";
  info.lab_title = "Toy";
  info.grader_key = "key";
  info.items = {{"Add", 50}, {"Sum, with edges", 50}};
  return info;
}

TEST(Records, RoundTripThroughJson) {
  SubmissionRecord r = Record("alice", 75, "ok");
  r.name = "Alice \"Al\" Doe";
  SubmissionRecord back = RecordFromJson(nlohmann::json::parse(RecordToJson(r).dump()));
  EXPECT_EQ(RecordToJson(back), RecordToJson(r));
  EXPECT_THROW(RecordFromJson(nlohmann::json::parse("{}")), std::exception);
}

TEST(Gradebook, OneRowPerSubmissionQuotedForSpreadsheets) {
  std::string csv =
      GradebookCsv(Info(), {Record("alice", 100, "ok"), Record("=cmd|x", 0, "compile error"),
                            Record("o'hara, k", 50, "ok")});
  std::istringstream lines(csv);
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line, "submission,score,Add,\"Sum, with edges\",status\r");
  std::getline(lines, line);
  EXPECT_EQ(line, "alice,100.00,50.00,50.00,ok\r");
  std::getline(lines, line);
  EXPECT_EQ(line, "'=cmd|x,0.00,0.00,0.00,compile error\r");  // no formula for a spreadsheet
  std::getline(lines, line);
  EXPECT_EQ(line, "\"o'hara, k\",50.00,25.00,25.00,ok\r");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
}

TEST(ClassReport, EscapesWhatStudentsControlAndHoldsTheNumbers) {
  std::vector<SubmissionRecord> records = {Record("<script>alert(1)</script>", 100, "ok"),
                                           Record("bob", 40, "ok"),
                                           Record("carol", 0, "compile error")};
  records[2].detail = "student/toy.cc:3: error: <oops>";
  std::string html = ClassReportHtml(Info(), records);
  EXPECT_EQ(html.find("<script>alert(1)"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("error: &lt;oops&gt;"), std::string::npos);
  EXPECT_NE(html.find("<b>3</b>"), std::string::npos);         // submissions
  EXPECT_NE(html.find("<b>46.67</b>"), std::string::npos);     // mean score
  EXPECT_NE(html.find("SumHidden.Large"), std::string::npos);  // hidden tests are listed
  EXPECT_NE(html.find("Chart.js v4"), std::string::npos);      // the charting library is inline
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);       // and nothing is fetched
  EXPECT_NE(html.find("href=\"carol/instructor.log\""), std::string::npos);
}

TEST(Merge, ShardsTogetherEqualOneBatch) {
  TempDir t;
  std::vector<SubmissionRecord> all;
  for (const char* id : {"alice", "bob", "carol", "dave", "erin", "frank"}) {
    all.push_back(Record(id, id[0] == 'c' ? 0 : 80, id[0] == 'c' ? "compile error" : "ok"));
  }
  BatchInfo info = Info();
  WriteClassOutputs(info, all, t.path() / "whole");
  std::vector<fs::path> shards;
  for (int k = 0; k < 3; ++k) {
    fs::path dir = t.path() / ("shard-" + std::to_string(k));
    BatchInfo shard = info;
    shard.shard_index = k;
    shard.shard_count = 3;
    fs::create_directories(dir);
    WriteFileAtomically(dir / "batch.json", InfoToJson(shard).dump());
    for (const auto& r : all) {
      if (ShardOf(r.id, 3) != k) continue;
      fs::create_directories(dir / r.dir_name);
      WriteFileAtomically(dir / r.dir_name / "record.json", RecordToJson(r).dump());
      Write(dir / r.dir_name / "results.json", "{}");
    }
    shards.push_back(dir);
  }
  std::ostringstream log;
  ASSERT_EQ(MergeBatches(shards, t.path() / "merged", log), 0) << log.str();
  EXPECT_EQ(Read(t.path() / "merged/gradebook.csv"), Read(t.path() / "whole/gradebook.csv"));
  EXPECT_TRUE(fs::exists(t.path() / "merged/alice/results.json"));
  // A missing shard is said, and fails.
  std::ostringstream partial;
  EXPECT_NE(MergeBatches({shards[0], shards[1]}, t.path() / "merged2", partial), 0);
  EXPECT_NE(partial.str().find("shards missing: 2"), std::string::npos) << partial.str();
  // Shards of another grader key are refused.
  BatchInfo other = info;
  other.grader_key = "other";
  other.shard_index = 2;
  other.shard_count = 3;
  WriteFileAtomically(shards[2] / "batch.json", InfoToJson(other).dump());
  std::ostringstream mixed;
  EXPECT_NE(MergeBatches(shards, t.path() / "merged3", mixed), 0);
}

}  // namespace
}  // namespace labkit::grader
