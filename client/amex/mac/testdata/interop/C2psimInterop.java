// Drives the Token Service SDK's own HmacAuthProvider (amex-api-java-client-core)
// for the interoperability tests in client/amex/mac and simulator/networks/amex.
// It lives in the provider's package to reach generateMacHeader with a fixed
// nonce and timestamp. The request payload is read from stdin (UTF-8).
//
//   fixed   <id> <secret> <path> <host> <port> <method> <nonce> <ts>   prints the Authorization value
//   headers <id> <secret> <url> <method>                               prints Authorization, x-amex-api-key, x-amex-request-id, one per line
package io.aexp.api.client.core.security.authentication;

import io.aexp.api.client.core.configuration.PropertiesConfigurationProvider;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;

public class C2psimInterop {
    public static void main(String[] a) throws Exception {
        Properties p = new Properties();
        p.put("CLIENT_KEY", a[1]);
        p.put("CLIENT_SECRET", a[2]);
        PropertiesConfigurationProvider cp = new PropertiesConfigurationProvider();
        cp.setProperties(p);
        HmacAuthProvider prov = (HmacAuthProvider) HmacAuthBuilder.getBuilder().setConfiguration(cp).build();
        String payload = readAll(System.in);
        if (a[0].equals("fixed")) {
            System.out.println(prov.generateMacHeader(a[1], a[2], a[3], a[4], Integer.parseInt(a[5]), a[6], payload, a[7], a[8]));
            return;
        }
        Map<String, String> h = prov.generateAuthHeaders(payload.isEmpty() ? null : payload, a[3], a[4]);
        System.out.println(h.get(AuthHeaderNames.AUTHORIZATION));
        System.out.println(h.get(AuthHeaderNames.X_AMEX_API_KEY));
        System.out.println(h.get(AuthHeaderNames.X_AMEX_REQUEST_ID));
    }

    private static String readAll(InputStream in) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        for (int n; (n = in.read(buf)) > 0; ) {
            out.write(buf, 0, n);
        }
        return new String(out.toByteArray(), StandardCharsets.UTF_8);
    }
}
