// SPDX-License-Identifier: MIT
// Test-only: an ERC-721 anyone can mint for a fixed price (the benign NFT mint).
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

contract GuardNft is ERC721 {
    uint256 public constant PRICE = 0.01 ether;
    uint256 public minted;

    constructor() ERC721("Guard NFT", "GNFT") {}

    function mint() external payable returns (uint256 id) {
        require(msg.value == PRICE, "price");
        id = ++minted;
        _safeMint(msg.sender, id);
    }
}
