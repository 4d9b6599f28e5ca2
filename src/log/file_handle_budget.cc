#include "log/file_handle_budget.h"

#include <vector>

namespace eddy::log {

size_t FileHandleBudget::open_count() const {
  std::lock_guard lock(mu_);
  return lru_.size();
}

void FileHandleBudget::touch(CachedFile* f) {
  std::lock_guard lock(mu_);
  if (f->in_lru_) {
    lru_.splice(lru_.begin(), lru_, f->lru_pos_);
  } else {
    lru_.push_front(f);
    f->lru_pos_ = lru_.begin();
    f->in_lru_ = true;
  }
  // Close idle files from the cold end. Files in use are skipped (the limit is soft for them),
  // and the walk is bounded by the list length.
  auto it = lru_.end();
  size_t open = lru_.size();
  while (open > max_open_ && it != lru_.begin()) {
    --it;
    CachedFile* victim = *it;
    if (victim == f || !victim->close_if_idle()) continue;
    victim->in_lru_ = false;
    it = lru_.erase(it);
    --open;
  }
}

void FileHandleBudget::forget(CachedFile* f) {
  std::lock_guard lock(mu_);
  if (f->in_lru_) {
    lru_.erase(f->lru_pos_);
    f->in_lru_ = false;
  }
}

CachedFile::~CachedFile() {
  if (budget_ != nullptr) budget_->forget(this);
}

Result<std::shared_ptr<File>> CachedFile::get(bool create) {
  std::shared_ptr<File> file;
  bool pinned = false;
  {
    std::lock_guard lock(mu_);
    if (!file_) {
      EDDY_ASSIGN_OR_RETURN(File f, File::open(path_, create, faults_));
      file_ = std::make_shared<File>(std::move(f));
    }
    file = file_;
    pinned = pinned_;
  }
  // Outside mu_: the budget's lock is taken before a file's, never after.
  if (budget_ != nullptr && !pinned) budget_->touch(this);
  return file;
}

Status CachedFile::pin() {
  {
    std::lock_guard lock(mu_);
    if (!file_) {
      EDDY_ASSIGN_OR_RETURN(File f, File::open(path_, /*create=*/false, faults_));
      file_ = std::make_shared<File>(std::move(f));
    }
    pinned_ = true;
  }
  if (budget_ != nullptr) budget_->forget(this);
  return Status::ok();
}

bool CachedFile::close_if_idle() {
  std::lock_guard lock(mu_);
  if (!file_) return true;
  if (pinned_) return false;
  if (file_.use_count() > 1) return false;
  file_.reset();
  return true;
}

bool CachedFile::is_open() const {
  std::lock_guard lock(mu_);
  return file_ != nullptr;
}

}  // namespace eddy::log
