//! The Mizan side: a board context and a mutation that affects it, declared
//! the way an app declares them, served by `mizan::axum`.

use mizan::{Registry, Server};

/// The board context.
#[mizan::context("board")]
pub(crate) struct BoardCtx;

/// A board's cards (the board is not read in this benchmark; it only has to
/// exist for sockets to subscribe to it).
#[mizan::client(context = BoardCtx)]
pub(crate) async fn board_cards(board_id: i64) -> Vec<i64> {
    vec![board_id]
}

/// Moves a card: every socket watching the board is told.
#[mizan::client(affects = BoardCtx)]
pub(crate) async fn move_card(board_id: i64, card: i64) -> i64 {
    board_id + card
}

pub(crate) async fn serve(addr: &str) -> crate::Result<()> {
    let server = Server::builder()
        .registry(Registry::from_declarations()?)
        .build()?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("listening on {}", listener.local_addr()?);
    mizan::axum::serve(listener, server).await?;
    Ok(())
}
