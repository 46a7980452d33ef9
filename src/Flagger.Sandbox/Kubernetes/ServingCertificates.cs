using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Flagger.Sandbox.Kubernetes;

/// <summary>
/// The TLS material a fake API server serves with: a self-signed CA, made fresh for each server, and a
/// serving certificate it signs for <c>127.0.0.1</c>, <c>::1</c> and <c>localhost</c>. kubectl sends the
/// bearer token only over TLS, so the kubeconfig carries the CA as <c>certificate-authority-data</c>.
/// </summary>
internal sealed class ServingCertificates : IDisposable
{
    private ServingCertificates(X509Certificate2 authority, X509Certificate2 server)
    {
        Authority = authority;
        Server = server;
    }

    /// <summary>The CA certificate (public part only), which clients trust.</summary>
    public X509Certificate2 Authority { get; }

    /// <summary>The serving certificate with its private key.</summary>
    public X509Certificate2 Server { get; }

    /// <summary>The CA as PEM, the text <c>certificate-authority-data</c> holds (base64 of it).</summary>
    public string AuthorityPem => Authority.ExportCertificatePem();

    /// <summary>Valid from an hour ago (clock skew) for a year; TLS checks the wall clock, not the simulation's clock.</summary>
    public static ServingCertificates Create(DateTimeOffset now)
    {
        var notBefore = now.AddHours(-1);
        var notAfter = now.AddYears(1);

        using var authorityKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var authorityRequest = new CertificateRequest("CN=flagger-fake-kube-ca", authorityKey, HashAlgorithmName.SHA256);
        authorityRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        authorityRequest.CertificateExtensions.Add(
            new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        authorityRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(authorityRequest.PublicKey, false));
        using var authorityWithKey = authorityRequest.CreateSelfSigned(notBefore, notAfter);

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest("CN=flagger-fake-kube-apiserver", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        names.AddDnsName("localhost");
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        serverRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        serverRequest.CertificateExtensions.Add(
            new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication")], false));
        serverRequest.CertificateExtensions.Add(
            X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authorityWithKey, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var signed = serverRequest.Create(authorityWithKey, notBefore, notAfter, serial);
        using var signedWithKey = signed.CopyWithPrivateKey(serverKey);

        // A round trip through PKCS#12 gives a certificate whose key SslStream can use on every platform.
        var server = X509CertificateLoader.LoadPkcs12(signedWithKey.Export(X509ContentType.Pkcs12), password: null);
        var authority = X509CertificateLoader.LoadCertificate(authorityWithKey.Export(X509ContentType.Cert));
        return new ServingCertificates(authority, server);
    }

    /// <summary>The certificates kept in <paramref name="directory"/> (<c>ca.pem</c>, <c>server.pfx</c>), made and written there
    /// the first time, so a restarted server is trusted by the kubeconfigs written before.</summary>
    public static ServingCertificates LoadOrCreate(string directory, DateTimeOffset now)
    {
        var authorityPath = Path.Combine(directory, "ca.pem");
        var serverPath = Path.Combine(directory, "server.pfx");
        if (File.Exists(authorityPath) && File.Exists(serverPath))
        {
            var server = X509CertificateLoader.LoadPkcs12FromFile(serverPath, password: null);
            if (server.NotAfter > now.UtcDateTime.AddDays(1))
            {
                return new ServingCertificates(X509Certificate2.CreateFromPem(File.ReadAllText(authorityPath)), server);
            }

            server.Dispose();
        }

        var created = Create(now);
        File.WriteAllText(authorityPath, created.AuthorityPem);
        File.WriteAllBytes(serverPath, created.Server.Export(X509ContentType.Pkcs12));
        return created;
    }

    public void Dispose()
    {
        Authority.Dispose();
        Server.Dispose();
    }
}
