#include "labkit/c_stack.h"

#include <pthread.h>

#include <exception>
#include <stdexcept>

namespace labkit {

void RunWithCStack(std::size_t stack_bytes, const std::function<void()>& body) {
  struct Job {
    const std::function<void()>* body;
    std::exception_ptr error;
  } job{&body, nullptr};
  pthread_attr_t attr;
  if (pthread_attr_init(&attr) != 0) {
    throw std::runtime_error("pthread_attr_init failed");
  }
  if (pthread_attr_setstacksize(&attr, stack_bytes) != 0) {
    pthread_attr_destroy(&attr);
    throw std::runtime_error("pthread_attr_setstacksize failed");
  }
  auto start = [](void* arg) -> void* {
    auto* j = static_cast<Job*>(arg);
    try {
      (*j->body)();
    } catch (...) {
      j->error = std::current_exception();
    }
    return nullptr;
  };
  pthread_t thread;
  if (pthread_create(&thread, &attr, start, &job) != 0) {
    pthread_attr_destroy(&attr);
    throw std::runtime_error("pthread_create failed");
  }
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
  if (job.error) {
    std::rethrow_exception(job.error);
  }
}

}  // namespace labkit
