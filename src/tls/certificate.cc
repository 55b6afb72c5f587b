#include "tls/certificate.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

#include "base/strings.h"

namespace nest::tls {
namespace {

using base::Error;
using base::Result;

template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;

Error SslError(const std::string& what) {
  unsigned long code = ERR_get_error();
  char buf[256] = "unknown error";
  if (code != 0) ERR_error_string_n(code, buf, sizeof buf);
  ERR_clear_error();
  return Error::Internal(what + ": " + buf);
}

std::string BioString(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, n > 0 ? static_cast<size_t>(n) : 0);
}

X509Ptr ParsePem(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return nullptr;
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

X509Ptr ParseDer(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (cert && p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) return nullptr;
  return cert;
}

Result<std::string> ToPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return SslError("PEM_write_bio_X509");
  return BioString(bio.get());
}

base::Status AddExtension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) return SslError("X509V3_EXT_conf_nid " + value);
  int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  if (ok != 1) return SslError("X509_add_ext " + value);
  return base::Ok();
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::FromErrno("reading " + path, errno);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

base::Status WriteFileAtomic(const std::string& path, const std::string& data, mode_t mode) {
  std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return Error::FromErrno("creating " + tmp, errno);
  size_t done = 0;
  while (done < data.size()) {
    ssize_t w = ::write(fd, data.data() + done, data.size() - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return Error::FromErrno("writing " + tmp, e);
    }
    done += static_cast<size_t>(w);
  }
  if (::fchmod(fd, mode) != 0 || ::fsync(fd) != 0 || ::close(fd) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    return Error::FromErrno("writing " + tmp, e);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    return Error::FromErrno("renaming " + tmp + " to " + path, e);
  }
  return base::Ok();
}

base::Status CheckKeyMatches(const Identity& id, const std::string& where) {
  X509Ptr cert = ParsePem(id.cert_pem);
  if (!cert) return Error::Invalid(where + ": not a PEM certificate");
  BioPtr bio(BIO_new_mem_buf(id.key_pem.data(), static_cast<int>(id.key_pem.size())));
  PkeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) return Error::Invalid(where + ": the key file holds no PEM private key");
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    return Error::Invalid(where + ": the key does not match the certificate");
  }
  return base::Ok();
}

}  // namespace

Result<Identity> GenerateIdentity(const IdentitySpec& spec) {
  PkeyCtxPtr kctx(EVP_PKEY_CTX_new_id(EVP_PKEY_EC, nullptr));
  if (!kctx || EVP_PKEY_keygen_init(kctx.get()) != 1 ||
      EVP_PKEY_CTX_set_ec_paramgen_curve_nid(kctx.get(), NID_secp384r1) != 1) {
    return SslError("preparing an EC P-384 key");
  }
  EVP_PKEY* raw_key = nullptr;
  if (EVP_PKEY_keygen(kctx.get(), &raw_key) != 1) return SslError("generating an EC P-384 key");
  PkeyPtr key(raw_key);

  X509Ptr cert(X509_new());
  if (!cert) return SslError("X509_new");
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) return SslError("RAND_bytes");
  serial[0] &= 0x7F;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  if (bn == nullptr || BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get())) == nullptr) {
    BN_free(bn);
    return SslError("setting the serial number");
  }
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(spec.days) * 86400);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  auto add_name = [&](const char* field, const std::string& value) {
    return X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                      reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1,
                                      0) == 1;
  };
  if (!add_name("O", spec.organization) || !add_name("CN", spec.common_name)) {
    return SslError("setting the subject");
  }
  X509_set_issuer_name(cert.get(), name);
  TRY(AddExtension(cert.get(), NID_key_usage, "critical,digitalSignature,keyEncipherment"));
  TRY(AddExtension(cert.get(), NID_ext_key_usage, spec.client ? "clientAuth" : "serverAuth"));
  TRY(AddExtension(cert.get(), NID_basic_constraints, "critical,CA:FALSE"));
  std::vector<std::string> sans;
  for (const auto& d : spec.dns_names) sans.push_back("DNS:" + d);
  for (const auto& ip : spec.ips) sans.push_back("IP:" + ip);
  if (!sans.empty()) TRY(AddExtension(cert.get(), NID_subject_alt_name, base::Join(sans, ",")));
  if (X509_sign(cert.get(), key.get(), EVP_sha384()) == 0)
    return SslError("signing the certificate");

  Identity id;
  id.cert_pem = TRY(ToPem(cert.get()));
  BioPtr kbio(BIO_new(BIO_s_mem()));
  if (!kbio ||
      PEM_write_bio_PrivateKey(kbio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return SslError("PEM_write_bio_PrivateKey");
  }
  id.key_pem = BioString(kbio.get());
  return id;
}

Result<Identity> LoadOrCreateIdentity(const std::string& cert_path, const std::string& key_path,
                                      const IdentitySpec& spec) {
  bool have_cert = ::access(cert_path.c_str(), F_OK) == 0;
  bool have_key = ::access(key_path.c_str(), F_OK) == 0;
  if (have_cert && have_key) {
    Identity id;
    id.cert_pem = TRY(ReadFile(cert_path));
    id.key_pem = TRY(ReadFile(key_path));
    TRY(CheckKeyMatches(id, cert_path + " and " + key_path));
    ::chmod(key_path.c_str(), 0600);
    return id;
  }
  Identity id = TRY(GenerateIdentity(spec));
  TRY(WriteFileAtomic(key_path, id.key_pem, 0600));
  TRY(WriteFileAtomic(cert_path, id.cert_pem, 0644));
  return id;
}

std::string DerOf(X509* cert) {
  int n = i2d_X509(cert, nullptr);
  if (n <= 0) return "";
  std::string der(static_cast<size_t>(n), '\0');
  auto* p = reinterpret_cast<unsigned char*>(der.data());
  i2d_X509(cert, &p);
  return der;
}

std::string FingerprintDer(std::string_view der) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(der.data()), der.size(), digest);
  return base::HexEncode(digest, sizeof digest);
}

Result<std::string> Fingerprint(std::string_view pem) {
  X509Ptr cert = ParsePem(pem);
  if (!cert) {
    ERR_clear_error();
    return Error::Invalid("invalid certificate: no PEM certificate found");
  }
  return FingerprintDer(DerOf(cert.get()));
}

Result<std::string> PemFromDer(std::string_view der) {
  X509Ptr cert = ParseDer(der);
  if (!cert) {
    ERR_clear_error();
    return Error::Invalid("invalid certificate: not DER X.509");
  }
  return ToPem(cert.get());
}

Result<std::string> NormalizeCertificate(std::string_view text) {
  std::string_view trimmed = base::Trim(text);
  if (trimmed.find("-----BEGIN CERTIFICATE-----") != std::string_view::npos) {
    X509Ptr cert = ParsePem(trimmed);
    if (!cert) {
      ERR_clear_error();
      return Error::Invalid("invalid certificate: the PEM block does not parse as X.509");
    }
    return ToPem(cert.get());
  }
  // Base64 of the DER, as lxc sends it. Decoded here with OpenSSL's decoder so
  // that tls depends on nothing but base.
  std::string clean;
  for (char c : trimmed) {
    if (c != '\n' && c != '\r' && c != ' ' && c != '\t') clean += c;
  }
  if (clean.empty() || clean.size() % 4 != 0) {
    return Error::Invalid("invalid certificate: neither PEM nor base64 DER");
  }
  std::string der(clean.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(der.data()),
                          reinterpret_cast<const unsigned char*>(clean.data()),
                          static_cast<int>(clean.size()));
  if (n < 0) return Error::Invalid("invalid certificate: neither PEM nor base64 DER");
  size_t pad = 0;
  while (pad < 2 && clean[clean.size() - 1 - pad] == '=') ++pad;
  der.resize(static_cast<size_t>(n) - pad);
  return PemFromDer(der);
}

}  // namespace nest::tls
