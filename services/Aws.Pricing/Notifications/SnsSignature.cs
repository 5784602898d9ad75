using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Aws.Pricing.Notifications;

/// <summary>
/// Checks an SNS message's <c>Signature</c>: base64 of an RSA PKCS#1 v1.5 signature over <see cref="SnsMessage.StringToSign"/>
/// (UTF-8), SHA1withRSA for <c>SignatureVersion</c> 1 and SHA256withRSA for 2, by the public key of the certificate at
/// <c>SigningCertURL</c> (https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html).
/// </summary>
public static class SnsSignature
{
    /// <summary>The hash of a signature version, or null for a version SNS does not use.</summary>
    public static HashAlgorithmName? HashOf(string signatureVersion) => signatureVersion switch
    {
        "1" => HashAlgorithmName.SHA1,
        "2" => HashAlgorithmName.SHA256,
        _ => null,
    };

    /// <summary>True when the signature is valid for the message under <paramref name="certificate"/>, which must be in its validity period at <paramref name="now"/>.</summary>
    public static bool IsValid(SnsMessage message, X509Certificate2 certificate, DateTimeOffset now)
    {
        if (HashOf(message.SignatureVersion) is not { } hash || now < certificate.NotBefore.ToUniversalTime() || now > certificate.NotAfter.ToUniversalTime())
        {
            return false;
        }

        var signature = new byte[message.Signature.Length];
        if (!Convert.TryFromBase64String(message.Signature, signature, out var length))
        {
            return false;
        }

        using var key = certificate.GetRSAPublicKey();
        return key is not null && key.VerifyData(Encoding.UTF8.GetBytes(message.StringToSign()), signature.AsSpan(0, length), hash, RSASignaturePadding.Pkcs1);
    }
}
