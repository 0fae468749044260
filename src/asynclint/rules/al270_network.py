"""AL270: sockets, DNS, TLS and protocol clients (SMTP, FTP, IMAP, SSH, ...)."""

from asynclint.rules import Rule
from asynclint.rules._text import LOOP_STALL, THROUGH_HELPERS, TO_THREAD_FIX

RULES = (
    Rule(
        code="AL270",
        name="blocking-network-call-in-async-function",
        summary="A blocking socket, DNS, TLS, mail, FTP or SSH call runs on the event loop",
        what_it_does=(
            "Reports `socket.create_connection`, the resolver functions (`getaddrinfo`, "
            "`gethostbyname`, `getfqdn`, ...), the I/O methods of `socket.socket` and "
            "`ssl.SSLSocket` objects (`connect`, `recv`, `sendall`, `accept`, ...), TLS "
            "handshakes, the stdlib protocol clients `smtplib`, `ftplib`, `poplib`, `imaplib` "
            "and `telnetlib` (whose constructors connect when given a host), paramiko SSH and "
            "SFTP clients, websocket-client and dnspython queries. Creating an unconnected "
            "socket is not reported. " + THROUGH_HELPERS
        ),
        why_bad=(
            LOOP_STALL + " Network peers can be slow or silent; a blocking `recv` or a DNS "
            "lookup against an unreachable server waits for its full timeout, which by "
            "default may be minutes or forever."
        ),
        example=(
            "import smtplib\n"
            "from email.message import EmailMessage\n"
            "\n"
            "\n"
            "async def send_welcome(address: str) -> None:\n"
            "    message = EmailMessage()\n"
            '    message["To"] = address\n'
            '    message["Subject"] = "Welcome"\n'
            '    with smtplib.SMTP("mail.example.com", 587) as smtp:\n'
            "        smtp.starttls()\n"
            "        smtp.send_message(message)\n"
        ),
        use_instead=(
            "from email.message import EmailMessage\n"
            "\n"
            "import aiosmtplib\n"
            "\n"
            "\n"
            "async def send_welcome(address: str) -> None:\n"
            "    message = EmailMessage()\n"
            '    message["To"] = address\n'
            '    message["Subject"] = "Welcome"\n'
            "    await aiosmtplib.send(\n"
            '        message, hostname="mail.example.com", port=587, start_tls=True\n'
            "    )\n"
        ),
        fix_safety=(
            "Suggestion: asyncio streams (`asyncio.open_connection`), `loop.getaddrinfo`, "
            "or the async library for the protocol (aiosmtplib, aioftp, asyncssh, websockets, "
            "`dns.asyncresolver`). " + TO_THREAD_FIX
        ),
    ),
)
