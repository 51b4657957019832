package dev.keelson.proxy.e2e;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The "pod" of the end-to-end tests, started inside a network namespace: answers every HTTP request on the TCP
 * port and every datagram on the UDP port with its name and the client address it saw.
 * Usage: EchoServer NAME TCP_PORT UDP_PORT
 */
public final class EchoServer {
    private EchoServer() {}

    public static void main(String[] args) throws Exception {
        String name = args[0];
        ServerSocket tcp = new ServerSocket();
        tcp.setReuseAddress(true);
        tcp.bind(new InetSocketAddress(Integer.parseInt(args[1])));
        DatagramSocket udp = new DatagramSocket(Integer.parseInt(args[2]));
        Thread udpLoop = new Thread(() -> {
            byte[] buf = new byte[512];
            while (true) {
                try {
                    DatagramPacket in = new DatagramPacket(buf, buf.length);
                    udp.receive(in);
                    byte[] reply = (name + " " + in.getAddress().getHostAddress() + "\n")
                            .getBytes(StandardCharsets.UTF_8);
                    udp.send(new DatagramPacket(reply, reply.length, in.getSocketAddress()));
                } catch (Exception e) {
                    return;
                }
            }
        });
        udpLoop.setDaemon(true);
        udpLoop.start();
        while (true) {
            Socket s = tcp.accept();
            Thread t = new Thread(() -> answer(s, name));
            t.setDaemon(true);
            t.start();
        }
    }

    private static void answer(Socket socket, String name) {
        try (socket) {
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null && !line.isEmpty()) {
                // headers are not needed, only the end of the request
            }
            byte[] body = (name + " " + socket.getInetAddress().getHostAddress() + "\n").getBytes(StandardCharsets.UTF_8);
            OutputStream out = socket.getOutputStream();
            out.write(("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            out.write(body);
            out.flush();
        } catch (Exception e) {
            // a client that went away needs no answer
        }
    }
}
