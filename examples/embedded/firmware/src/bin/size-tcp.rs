//! Size probe: the network image without WebSocket — the same board, interface and
//! sockets running a plain TCP echo on port 80. `net` minus this is what the
//! WebSocket server and the wsframe core add.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use smoltcp::socket::tcp;
use wsframe_firmware::clock;
use wsframe_firmware::network::Network;

#[entry]
fn main() -> ! {
    let Some(peripherals) = cortex_m::Peripherals::take() else {
        wsframe_firmware::exit(false)
    };
    let mut net = Network::bring_up(peripherals.SYST);
    loop {
        net.poll(clock::now());
        for handle in net.tcp {
            let socket = net.sockets.get_mut::<tcp::Socket>(handle);
            if !socket.is_open() {
                let _ = socket.listen(80);
            }
            let mut buf = [0u8; 512];
            if socket.can_send() {
                if let Ok(n) = socket.recv_slice(&mut buf) {
                    let _ = socket.send_slice(&buf[..n]);
                }
            }
            match socket.state() {
                tcp::State::CloseWait => socket.close(),
                tcp::State::TimeWait => socket.abort(),
                _ => {}
            }
        }
        net.idle();
    }
}
