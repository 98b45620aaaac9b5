// File: src/index/rw_lock.h
//
// RwSpinLock: a reader-writer lock for short critical sections, cheaper than
// std::shared_mutex on the read path (one atomic add to enter, one to leave,
// no system call). Writers take priority: once a writer waits, new readers
// step back, so a stream of reads cannot starve it. Waiters spin briefly,
// then yield the CPU.
//
// Thread-safety: that is its purpose. Meets the SharedLockable requirements,
// so std::shared_lock and std::unique_lock work with it.
#ifndef OPTIN_INDEX_RW_LOCK_H_
#define OPTIN_INDEX_RW_LOCK_H_

#include <atomic>
#include <cstdint>
#include <thread>

namespace optin::internal {

class RwSpinLock {
 public:
  void lock_shared() {
    for (int spins = 0;; ++spins) {
      if (!(state_.fetch_add(1, std::memory_order_acquire) & kWriter)) return;
      state_.fetch_sub(1, std::memory_order_relaxed);
      while (state_.load(std::memory_order_relaxed) & kWriter) Pause(spins++);
    }
  }
  void unlock_shared() { state_.fetch_sub(1, std::memory_order_release); }

  void lock() {
    uint32_t s = state_.load(std::memory_order_relaxed);
    for (int spins = 0;; ++spins) {
      if (!(s & kWriter) && state_.compare_exchange_weak(s, s | kWriter, std::memory_order_acquire)) break;
      Pause(spins);
      s = state_.load(std::memory_order_relaxed);
    }
    // Now no new reader gets in; wait for those inside to leave.
    for (int spins = 0; (state_.load(std::memory_order_acquire) & ~kWriter) != 0; ++spins) Pause(spins);
  }
  void unlock() { state_.fetch_and(~kWriter, std::memory_order_release); }

 private:
  static constexpr uint32_t kWriter = uint32_t{1} << 31;
  static constexpr int kSpinsBeforeYield = 64;

  static void Pause(int spins) {
    if (spins < kSpinsBeforeYield) {
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    } else {
      std::this_thread::yield();
    }
  }

  std::atomic<uint32_t> state_{0};
};

}  // namespace optin::internal

#endif  // OPTIN_INDEX_RW_LOCK_H_
