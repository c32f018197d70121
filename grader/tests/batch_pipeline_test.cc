// Grading a class of toy-lab submissions for real: every score in the
// gradebook equals what the submission gets graded alone; --resume grades
// only what is missing or changed; shards merge into the same gradebook.
//
// Needs root (the sandbox switches uids) and runs outside Bazel's sandbox.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "grader/batch.h"
#include "grader/grade.h"
#include "grader/tests/toylab_env.h"

namespace labkit::grader {
namespace {

namespace fs = std::filesystem;

std::string Read(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

int Count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// gradebook.csv as submission -> (score, status).
std::map<std::string, std::pair<std::string, std::string>> Gradebook(const fs::path& file) {
  std::map<std::string, std::pair<std::string, std::string>> rows;
  std::istringstream lines(Read(file));
  std::string line;
  std::getline(lines, line);  // header
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string id = line.substr(0, line.find(','));
    std::string rest = line.substr(line.find(',') + 1);
    rows[id] = {rest.substr(0, rest.find(',')), line.substr(line.rfind(',') + 1)};
  }
  return rows;
}

class BatchPipeline : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (geteuid() != 0) return;
    char pattern[] = "/tmp/labkit-batch-pipeline-XXXXXX";
    root_ = new fs::path(mkdtemp(pattern));
    fs::permissions(*root_, fs::perms(0755));
    grader_ = new Grader(testing::ToyLabOptions(*root_ / "cache"));
    // The class: submissions from grader/tests/submissions, a zipped one, an
    // empty folder and a broken zip.
    fs::path cls = *root_ / "class";
    fs::create_directories(cls);
    for (const char* name : {"honest", "leak", "compile_error", "wrong_sum", "fork_bomb"}) {
      fs::copy(testing::Submission(name), cls / name, fs::copy_options::recursive);
    }
    fs::create_directories(cls / "empty");
    std::ofstream(cls / "broken.zip") << "PK\x03\x04 not really";
  }
  static void TearDownTestSuite() {
    delete grader_;
    if (root_) fs::remove_all(*root_);
    delete root_;
  }
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "the sandbox needs root";
  }

  static int Batch(const fs::path& out, bool resume = false, int shard = 0, int shards = 1) {
    BatchOptions options;
    options.input = *root_ / "class";
    options.out_dir = out;
    options.jobs = 2;
    options.resume = resume;
    options.shard_index = shard;
    options.shard_count = shards;
    std::ostringstream log;
    int status = RunBatch(*grader_, options, log);
    last_log_ = log.str();
    return status;
  }

  static fs::path* root_;
  static Grader* grader_;
  static std::string last_log_;
};

fs::path* BatchPipeline::root_ = nullptr;
Grader* BatchPipeline::grader_ = nullptr;
std::string BatchPipeline::last_log_;

TEST_F(BatchPipeline, ScoresEqualGradingEachAlone) {
  fs::path out = *root_ / "whole";
  ASSERT_EQ(Batch(out), 0) << last_log_;
  auto book = Gradebook(out / "gradebook.csv");
  ASSERT_EQ(book.size(), 7u) << Read(out / "gradebook.csv");
  for (const auto& [id, row] : book) {
    GradeResult alone =
        grader_->GradeUpload(*root_ / "class" / (id == "broken" ? "broken.zip" : id));
    EXPECT_EQ(row.first, fmt::format("{:.2f}", std::round(alone.score.total * 100) / 100)) << id;
    EXPECT_EQ(row.second, StatusName(alone.Status())) << id;
    EXPECT_TRUE(fs::exists(out / id / "results.json")) << id;
    EXPECT_TRUE(fs::exists(out / id / "instructor.log")) << id;
  }
  EXPECT_EQ(book["honest"].first, "100.00");
  EXPECT_EQ(book["compile_error"].second, "compile error");
  EXPECT_EQ(book["broken"].second, "rejected upload");
  EXPECT_EQ(book["empty"].second, "missing files");
  EXPECT_TRUE(fs::exists(out / "report.html"));
  // A second batch into the same folder must say --resume.
  EXPECT_EQ(Batch(out), 1);
  EXPECT_NE(last_log_.find("--resume"), std::string::npos);
}

TEST_F(BatchPipeline, ResumeGradesOnlyWhatIsMissingOrChanged) {
  fs::path out = *root_ / "resumed";
  ASSERT_EQ(Batch(out), 0) << last_log_;
  std::string before = Read(out / "gradebook.csv");
  // As a kill -9 would leave it: two submissions not committed, a temporary file.
  fs::remove(out / "leak/record.json");
  fs::remove_all(out / "wrong_sum");
  std::ofstream(out / "honest/record.json.tmp123-00000000") << "{half";
  ASSERT_EQ(Batch(out, /*resume=*/true), 0) << last_log_;
  EXPECT_NE(last_log_.find("2 to grade"), std::string::npos) << last_log_;
  EXPECT_EQ(Read(out / "gradebook.csv"), before);
  EXPECT_FALSE(fs::exists(out / "honest/record.json.tmp123-00000000"));
  // A changed upload is graded again.
  std::ofstream(*root_ / "class/honest/student/extra.txt") << "changed";
  ASSERT_EQ(Batch(out, /*resume=*/true), 0) << last_log_;
  EXPECT_NE(last_log_.find("1 to grade"), std::string::npos) << last_log_;
  fs::remove(*root_ / "class/honest/student/extra.txt");
  EXPECT_EQ(Count(Read(out / "journal.log"), "graded honest"), 2);
}

TEST_F(BatchPipeline, ShardsMergeIntoTheSameGradebook) {
  ASSERT_EQ(Batch(*root_ / "unsharded"), 0) << last_log_;
  ASSERT_EQ(Batch(*root_ / "shard-0", false, 0, 2), 0) << last_log_;
  ASSERT_EQ(Batch(*root_ / "shard-1", false, 1, 2), 0) << last_log_;
  std::ostringstream log;
  ASSERT_EQ(MergeBatches({*root_ / "shard-0", *root_ / "shard-1"}, *root_ / "merged", log), 0)
      << log.str();
  EXPECT_EQ(Read(*root_ / "merged/gradebook.csv"), Read(*root_ / "unsharded/gradebook.csv"));
}

}  // namespace
}  // namespace labkit::grader
