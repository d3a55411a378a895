#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
// OpenSSL's GCM controls are macros of macros, which Swift does not import.
static const int cnx_gcm_set_ivlen = EVP_CTRL_GCM_SET_IVLEN;
static const int cnx_gcm_get_tag = EVP_CTRL_GCM_GET_TAG;
static const int cnx_gcm_set_tag = EVP_CTRL_GCM_SET_TAG;
#include <openssl/hmac.h>
