// Database: nestd's persistent state (server config, instances, profiles,
// images, image aliases) in one sqlite file, behind typed methods.
//
// Errors: a missing object is kNotFound ("instance \"c1\" not found"), a name
// already taken is kConflict ("instance \"c1\" already exists"), a refused
// change is kInvalid or kConflict as documented per method, an sqlite or
// decoding failure is kInternal (kUnavailable when the file is locked).
//
// Thread-safety: every method is safe to call from any thread; calls are
// serialised by an internal mutex. InTransaction holds that mutex for the whole
// function, so methods called from inside it (on the same thread) join the
// transaction; other threads wait until it ends. Do not hand work that calls
// back into the Database to another thread from inside InTransaction.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/result.h"
#include "db/records.h"
#include "db/sqlite.h"

namespace nest::db {

class Database {
 public:
  // Opens (creating it with mode 0600 if missing) the database at path, or an
  // in-memory one for ":memory:", turns on WAL, foreign keys and a busy
  // timeout, and applies missing schema migrations.
  static base::Result<std::unique_ptr<Database>> Open(const std::string& path);

  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs fn atomically: commits when it returns Ok, rolls everything back and
  // returns its error otherwise. Nests (inner calls use savepoints).
  base::Status InTransaction(const std::function<base::Status()>& fn);

  // A number that grows with every row any method writes (nestd's only
  // connection): what was read at one revision is still current while the
  // revision is the same. Read it before reading what it is to vouch for.
  int64_t Revision();

  // Server config.
  base::Result<ConfigMap> GetConfig();
  base::Status SetConfig(const std::string& key, const std::string& value);
  // Removing a key that is not set is not an error.
  base::Status UnsetConfig(const std::string& key);
  // Replaces the whole server config atomically.
  base::Status ReplaceConfig(const ConfigMap& config);

  // Instances. CreateInstance returns the new id; kConflict on a taken name.
  base::Result<int64_t> CreateInstance(const InstanceRecord& instance);
  base::Result<InstanceRecord> GetInstance(const std::string& name);
  base::Result<std::vector<InstanceRecord>> ListInstances();  // sorted by name
  // Writes config, devices, profiles, description, ephemeral, stateful and
  // architecture of the instance with instance.id; kNotFound if none.
  base::Status UpdateInstance(const InstanceRecord& instance);
  base::Status TouchInstance(const std::string& name, int64_t last_used_at);
  // kNotFound if old_name is missing, kConflict if new_name is taken.
  base::Status RenameInstance(const std::string& old_name, const std::string& new_name);
  base::Status DeleteInstance(const std::string& name);
  // Names of instances created from fingerprint / listing the profile (sorted).
  base::Result<std::vector<std::string>> InstancesUsingImage(const std::string& fingerprint);
  base::Result<std::vector<std::string>> InstancesUsingProfile(const std::string& name);

  // Profiles. "default" always exists and can be neither renamed nor deleted
  // (kInvalid). A profile used by instances cannot be deleted (kConflict naming
  // them); renaming one rewrites the instances' profile lists.
  base::Result<int64_t> CreateProfile(const ProfileRecord& profile);
  base::Result<ProfileRecord> GetProfile(const std::string& name);
  base::Result<std::vector<ProfileRecord>> ListProfiles();  // sorted by name
  // Writes description, config and devices of the profile named profile.name.
  base::Status UpdateProfile(const ProfileRecord& profile);
  base::Status RenameProfile(const std::string& old_name, const std::string& new_name);
  base::Status DeleteProfile(const std::string& name);

  // Images, keyed by full fingerprint. Records read back carry their aliases.
  base::Result<int64_t> CreateImage(const ImageRecord& image);
  base::Result<ImageRecord> GetImage(const std::string& fingerprint);
  // The one image whose fingerprint starts with prefix: kNotFound if none,
  // kInvalid if several (or the prefix is empty).
  base::Result<ImageRecord> GetImageByPrefix(const std::string& prefix);
  base::Result<std::vector<ImageRecord>> ListImages();  // sorted by fingerprint
  // Writes every column but id and fingerprint of the image image.fingerprint.
  base::Status UpdateImage(const ImageRecord& image);
  // Deletes the image and, by cascade, its aliases.
  base::Status DeleteImage(const std::string& fingerprint);
  base::Status TouchImage(const std::string& fingerprint, int64_t last_used_at);

  // Image aliases. CreateAlias/UpdateAlias fail kNotFound when the target
  // image does not exist; CreateAlias/RenameAlias kConflict on a taken name.
  base::Status CreateAlias(const std::string& name, const std::string& fingerprint,
                           const std::string& description);
  base::Result<ImageAliasRecord> GetAlias(const std::string& name);
  base::Result<std::vector<ImageAliasRecord>> ListAliases();  // sorted by name
  // Retargets alias.name to alias.fingerprint and sets its description.
  base::Status UpdateAlias(const ImageAliasRecord& alias);
  base::Status RenameAlias(const std::string& old_name, const std::string& new_name);
  base::Status DeleteAlias(const std::string& name);

  // Trusted certificates. CreateCertificate fails kConflict when the fingerprint
  // is already trusted; Get/Delete kNotFound when it is not.
  base::Status CreateCertificate(const CertificateRecord& certificate);
  base::Result<CertificateRecord> GetCertificate(const std::string& fingerprint);
  base::Result<std::vector<CertificateRecord>> ListCertificates();  // sorted by name, fp
  base::Status DeleteCertificate(const std::string& fingerprint);

 private:
  explicit Database(Connection conn) : conn_(std::move(conn)) {}

  // Runs fn inside a savepoint. Caller holds mu_.
  base::Status Atomically(const std::function<base::Status()>& fn);
  base::Result<std::vector<std::string>> InstanceNamesLocked(std::string_view sql,
                                                             const std::string& arg);
  base::Result<InstanceRecord> GetInstanceLocked(const std::string& name);
  base::Result<ProfileRecord> GetProfileLocked(const std::string& name);
  base::Result<ImageRecord> GetImageLocked(const std::string& fingerprint);
  base::Status FillAliasesLocked(ImageRecord& image);
  base::Status RequireImageLocked(const std::string& fingerprint);

  std::recursive_mutex mu_;
  Connection conn_;     // protected by mu_
  int savepoints_ = 0;  // open savepoints; protected by mu_
};

}  // namespace nest::db
